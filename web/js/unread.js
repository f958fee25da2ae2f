// Unread messages and mentions per event chat, as the server counts them (GET /v1/channels
// ?private=true after each sign-in and reconnect), kept current by pushes: a message from someone else
// adds one, a read-update (this reader marking a chat read, in any tab or device) sets the
// counts. A push that comes while a load runs is applied to the load's counts too, unless
// they already have it: each channel's counts hold messages up to its newest `seq` then.
// Views subscribe to redraw their badges.
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

// Applies a push to `states` (channel id → counts); true if it changed them. The counts of
// a load or a read-update hold the messages up to the channel's `seq` (its newest message
// then): a message push adds one only when it is later than that and than the reader's
// marker, in whatever order the pushes come. With `replay` (a push that came while the load
// ran), a read-update whose marker the load already has is older than its counts and
// changes nothing.
function apply(states, push, replay) {
  if (push.type === 'read-update') {
    const state = states.get(push.channelID);
    if (!state || (replay && push.lastRead <= state.lastRead)) return false;
    Object.assign(state, {lastRead: push.lastRead, unread: push.unread, mentions: push.mentions,
      seq: Math.max(state.seq, push.lastMessage?.seq ?? 0)});  // what its counts go up to
    return true;
  }
  if (push.type === 'message-new') {
    const message = push.message, state = states.get(message.channelID);
    if (!state) return false;
    state.newest = Math.max(state.newest, message.seq);
    if (message.seq <= state.seq || message.seq <= state.lastRead) return false;
    state.unread += 1;
    if (push.mentionsMe) state.mentions += 1;
    return true;
  }
  if (!states.has(push.channel.id)) states.set(push.channel.id, counts());
  return false;
}

// A channel's counts, from an item of the list (or none yet): `seq` bounds what they hold;
// `newest` is the newest message heard of.
const counts = (c = {}) => ({lastRead: c.lastRead ?? 0, unread: c.unread ?? 0, mentions: c.mentions ?? 0,
  seq: c.lastMessage?.seq ?? 0, newest: c.lastMessage?.seq ?? 0});

export const unread = {
  me: null,
  states: new Map(),     // channel id → counts(); the private channels (events' chats)
  listeners: new Set(),  // (states) => void
  reading: null,         // the chat open in this tab, on screen: its messages are read, not unread

  loads: 0,              // loads begun: only the latest one's answer counts
  missed: null,          // the pushes that came while the latest load ran, in order

  async load(me) {
    this.me = me;
    const mine = ++this.loads;  // a sign-out, or a newer load (a reconnect), makes this one stale
    const missed = this.missed = [];
    let states;
    try {
      states = new Map();
      for await (const channels of privateChannels()) {
        if (mine !== this.loads) return;
        for (const c of channels) states.set(c.id, counts(c));
      }
    } catch {
      states = new Map();  // chat turned off, or the server away: no badges
    }
    if (mine !== this.loads) return;
    this.missed = null;
    for (const push of missed) apply(states, push, true);
    this.states = states;
    this.emit();
  },

  clear() {
    ++this.loads;
    this.me = null;
    this.missed = null;
    this.states = new Map();
    this.emit();
  },

  get(channelId) { return this.states.get(channelId) ?? counts(); },

  total() {
    let sum = 0;
    for (const state of this.states.values()) sum += state.unread;
    return sum;
  },

  onPush(push) {
    if (push.type === 'message-new') {
      const message = push.message;
      if (!message || message.creator?.id === this.me?.id) return;
      if (this.reading === message.channelID && document.visibilityState === 'visible') return;  // read as it comes
      push = {...push, mentionsMe: Boolean(message.mentions?.includes(this.me?.id))};  // as it is now
    } else if (push.type === 'channel-new' || push.type === 'channel-update') {
      if (!push.channel?.private) return;  // joined an event meanwhile when private
    } else if (push.type !== 'read-update') {
      return;
    }
    this.missed?.push(push);
    if (apply(this.states, push, false)) this.emit();
  },

  emit() { this.listeners.forEach((listener) => listener(this)); },
};

/** "3 new" and "@" (when some name the reader), or null when all is read. */
export function unreadBadge(state) {
  if (!state.unread) return null;
  return h('span', {class: 'badge unread', 'aria-label': `${state.unread} unread${state.mentions ? `, ${state.mentions} mentioning you` : ''}`},
      `${state.unread} new${state.mentions ? ' · @' : ''}`);
}
