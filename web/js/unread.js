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

// Applies a push to `states` (channel id → counts). Returns true if it changed them, or
// 'reload' when they can no longer be told from it. The counts of a load or a read-update
// hold the messages up to the channel's `seq` (its newest message then); a message push
// adds one only when it is later than that and than the reader's marker, once, in whatever
// order the pushes come (`above` keeps those added, by id). A read-update's counts replace
// them, plus the pushes added after its own newest message, unless they stop short of what
// is held: what lies between is not known one by one, so the counts are loaded again. An
// older read-update (its marker behind, or the same marker and fewer messages) changes
// nothing; with `replay` (a push that came while the load ran) neither does one whose
// marker the load already has. A deleted message leaves the counts if a push added it;
// one the counts may hold has them loaded again, as does a chat the reader joins that is
// not new (its history may be unread).
function apply(states, push, replay) {
  if (push.type === 'read-update') {
    const state = states.get(push.channelID);
    if (!state || push.lastRead < state.lastRead || (replay && push.lastRead === state.lastRead)) return false;
    const bound = push.lastMessage?.seq ?? 0;
    if (bound < state.seq) return push.lastRead === state.lastRead ? false : 'reload';  // (the same marker: an older one)
    let unread = push.unread, mentions = push.mentions;
    for (const [id, added] of state.above) {
      if (added.seq <= bound || added.seq <= push.lastRead) {
        state.above.delete(id);
      } else {
        unread += 1;
        if (added.mentionsMe) mentions += 1;
      }
    }
    Object.assign(state, {lastRead: push.lastRead, unread, mentions, seq: bound});
    return true;
  }
  if (push.type === 'message-new') {
    const message = push.message, state = states.get(message.channelID);
    if (!state) return false;
    state.newest = Math.max(state.newest, message.seq);
    if (message.seq <= state.seq || message.seq <= state.lastRead || state.above.has(message.id)) return false;
    state.above.set(message.id, {seq: message.seq, mentionsMe: push.mentionsMe});
    state.unread += 1;
    if (push.mentionsMe) state.mentions += 1;
    return true;
  }
  if (push.type === 'message-delete') {
    const state = states.get(push.channelID), added = state?.above.get(push.messageID);
    // (Not one the counts hold when every message they count is one a push added.)
    if (!added) return state && state.unread > state.above.size ? 'reload' : false;
    state.above.delete(push.messageID);
    state.unread -= 1;
    if (added.mentionsMe) state.mentions -= 1;
    return true;
  }
  if (push.type === 'channel-delete') return states.delete(push.channelID);
  if (states.has(push.channel.id)) return false;
  if (push.type === 'channel-update') return 'reload';  // joined a chat that has a history
  states.set(push.channel.id, counts());  // a new one: nothing to read yet
  return false;
}

// A channel's counts, from an item of the list (or none yet): `seq` bounds what they hold,
// `above` the message pushes counted after it (id → {seq, mentionsMe}), and `newest` is
// the newest message heard of.
const counts = (c = {}) => ({lastRead: c.lastRead ?? 0, unread: c.unread ?? 0, mentions: c.mentions ?? 0,
  seq: c.lastMessage?.seq ?? 0, above: new Map(), newest: c.lastMessage?.seq ?? 0});

export const unread = {
  me: null,
  states: new Map(),     // channel id → counts(); the private channels (events' chats)
  listeners: new Set(),  // (states) => void
  reading: null,         // the chat open in this tab, on screen: its messages are read, not unread

  loads: 0,              // loads begun: only the latest one's answer counts
  missed: null,          // the pushes that came while the latest load ran, in order

  // `again`: whether a read-update that came meanwhile may have it load once more.
  async load(me, again = true) {
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
    let stale = false;
    for (const push of missed) stale = apply(states, push, true) === 'reload' || stale;
    if (stale && again) return this.load(me, false);
    this.states = states;
    this.emit();
    if (stale) this.reloadSoon();  // a second pass that still could not tell: once more, later
  },

  clear() {
    clearTimeout(this.reloading);
    this.reloading = null;
    ++this.loads;
    this.me = null;
    this.missed = null;
    this.sought.clear();
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
    } else if (!['read-update', 'message-delete', 'channel-delete'].includes(push.type)) {
      return;
    }
    this.missed?.push(push);  // a load that runs applies it again to what it finds
    const changed = apply(this.states, push, false);
    if (changed === 'reload' || this.strayed(push)) this.reloadSoon();
    else if (changed) this.emit();
  },

  // Whether a message is of a chat of the reader's (a private one: the push names its
  // readers) whose counts the last load did not find, as when the order of the list's pages
  // changed between two of them: the counts are loaded again, once per chat and sign-in
  // (a reader in more chats than the list's pages hold would ask for every message).
  strayed(push) {
    const id = push.message?.channelID;
    if (push.type !== 'message-new' || !Array.isArray(push.userIDs) || this.missed || this.states.has(id) ||
        this.sought.has(id)) return false;
    this.sought.add(id);
    return true;
  },
  sought: new Set(),  // the chats strayed() asked about

  // Loads the counts again shortly, once for any number of asks meanwhile (a moderator
  // deleting many messages); not while a load runs, which sees the same pushes.
  reloadSoon() {
    if (this.missed || this.reloading) return;
    this.reloading = setTimeout(() => {
      this.reloading = null;
      if (this.me) this.load(this.me);
    }, 250);
  },
  reloading: null,

  emit() { this.listeners.forEach((listener) => listener(this)); },
};

/** "3 new" and "@" (when some name the reader), or null when all is read. */
export function unreadBadge(state) {
  if (!state.unread) return null;
  return h('span', {class: 'badge unread', 'aria-label': `${state.unread} unread${state.mentions ? `, ${state.mentions} mentioning you` : ''}`},
      `${state.unread} new${state.mentions ? ' · @' : ''}`);
}
