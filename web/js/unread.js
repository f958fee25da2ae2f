// Unread messages and mentions per event chat, as the server counts them (GET /v1/channels
// ?private=true after each sign-in and reconnect), kept current by pushes: a message from someone else
// adds one, a read-update (this reader marking a chat read, in any tab or device) sets the
// counts. Views subscribe to redraw their badges.
import {api} from './api.js';
import {h} from './dom.js';

// The private channels the reader belongs to (events' chats), a page at a time, the latest
// message first; at most kMaxPages pages (a reader in more chats than that loses the badges
// of the quietest).
const kPageSize = 200, kMaxPages = 50;
export async function* privateChannels() {
  for (let page = 0; page < kMaxPages; ++page) {
    const channels = await api('GET', `/v1/channels?private=true&limit=${kPageSize}&offset=${page * kPageSize}`);
    yield channels;
    if (channels.length < kPageSize) return;
  }
}

export const unread = {
  me: null,
  states: new Map(),     // channel id → {lastRead, unread, mentions}; the private channels (events' chats)
  listeners: new Set(),  // (states) => void
  reading: null,         // the chat open in this tab, on screen: its messages are read, not unread

  loads: 0,              // loads begun: only the latest one's answer counts

  async load(me) {
    this.me = me;
    const mine = ++this.loads;  // a sign-out, or a newer load (a reconnect), makes this one stale
    let states;
    try {
      states = new Map();
      for await (const channels of privateChannels()) {
        if (mine !== this.loads) return;
        for (const c of channels) states.set(c.id, {lastRead: c.lastRead ?? 0, unread: c.unread ?? 0, mentions: c.mentions ?? 0});
      }
    } catch {
      states = new Map();  // chat turned off, or the server away: no badges
    }
    if (mine !== this.loads) return;
    this.states = states;
    this.emit();
  },

  clear() {
    ++this.loads;
    this.me = null;
    this.states = new Map();
    this.emit();
  },

  get(channelId) { return this.states.get(channelId) ?? {lastRead: 0, unread: 0, mentions: 0}; },

  total() {
    let sum = 0;
    for (const state of this.states.values()) sum += state.unread;
    return sum;
  },

  onPush(push) {
    if (push.type === 'read-update' && this.states.has(push.channelID)) {
      this.states.set(push.channelID, {lastRead: push.lastRead, unread: push.unread, mentions: push.mentions});
      this.emit();
    } else if (push.type === 'message-new' && this.states.has(push.message?.channelID)) {
      const message = push.message;
      if (message.creator?.id === this.me?.id) return;
      if (this.reading === message.channelID && document.visibilityState === 'visible') return;  // read as it comes
      const state = this.states.get(message.channelID);
      state.unread += 1;
      if (message.mentions?.includes(this.me?.id)) state.mentions += 1;
      this.emit();
    } else if ((push.type === 'channel-new' || push.type === 'channel-update') && push.channel?.private &&
               !this.states.has(push.channel.id)) {
      this.states.set(push.channel.id, {lastRead: 0, unread: 0, mentions: 0});  // joined an event meanwhile
    }
  },

  emit() { this.listeners.forEach((listener) => listener(this)); },
};

/** "3 new" and "@" (when some name the reader), or null when all is read. */
export function unreadBadge(state) {
  if (!state.unread) return null;
  return h('span', {class: 'badge unread', 'aria-label': `${state.unread} unread${state.mentions ? `, ${state.mentions} mentioning you` : ''}`},
      `${state.unread} new${state.mentions ? ' · @' : ''}`);
}
