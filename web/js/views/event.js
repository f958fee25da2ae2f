// One event and its live chat: history with infinite scroll back, sending, editing and
// deleting one's own messages, live updates, and catching up after a reconnect.
import {api} from '../api.js';
import {app} from '../app.js';
import {avatar, formatWhen, h} from '../dom.js';
import {isAdmin, report} from './moderation.js';

const PAGE = 50;

export async function eventView(page, id) {
  let event;
  try {
    event = await api('GET', `/v1/events/${id}`);
  } catch (error) {
    page.append(h('h1', {}, 'Event'), h('p', {class: 'form-error', role: 'alert'}, error.message),
        h('a', {href: '#/events'}, 'Back to events'));
    return;
  }
  const header = h('section', {class: 'card'},
      h('p', {class: 'event-when'}, h('time', {datetime: event.datetime}, formatWhen(event.datetime))),
      h('h1', {}, event.title),
      h('p', {class: 'muted'}, `At ${event.location} · ${event.memberCount} going`),
      event.description && h('p', {}, event.description));
  const reported = h('p', {class: 'muted', role: 'status'});
  if (event.creator?.id !== app.me.id)
    header.append(h('p', {class: 'actions'},
        h('button', {type: 'button', class: 'link', onclick: () => report('event', event.id, reported)}, 'Report event'),
        h('button', {type: 'button', class: 'link', onclick: () => report('user', event.creator.id, reported)},
            'Report its creator')), reported);
  page.append(header);

  if (!event.joined) {
    page.append(h('p', {}, 'Join this event to see and take part in its chat.'),
        h('button', {class: 'primary', type: 'button', onclick: async () => {
          await api('POST', '/v1/events/join', {id: event.id});
          app.go(`#/events/${event.id}`);
        }}, 'Join'));
    return;
  }
  if (!event.channel) {
    page.append(h('p', {class: 'muted'}, 'This server has chat turned off.'));
    return;
  }
  // Moderators: the event's creator (its channel's creator) and the admins.
  return chat(page, event.channel, event.creator?.id === app.me.id || isAdmin());
}

function chat(page, channel, moderator) {
  const messages = new Map();  // id → message, for de-duplication
  const list = h('ol', {class: 'messages', 'aria-live': 'polite', 'aria-label': 'Messages'});
  const scroller = h('div', {class: 'scroller', tabindex: '0'}, list);
  const olderButton = h('button', {type: 'button', class: 'link'}, 'Load earlier messages');
  const status = h('p', {class: 'form-error', role: 'alert'});
  const input = h('textarea', {id: 'chat-input', name: 'body', rows: 2, maxlength: 4096, required: true,
                               placeholder: 'Write a message…', 'aria-label': 'Message'});
  const form = h('form', {class: 'composer'}, input, h('button', {class: 'primary', type: 'submit'}, 'Send'));
  // Seqs (the channel's own 1, 2, 3… in commit order) of the oldest and newest message held:
  // history pages back before the one and catches up after the other.
  let oldest = null, newest = 0, exhausted = false, loading = false;
  // The emoji this server lets people react with (its config), for the picker.
  let reactionSet = [];
  api('GET', '/v1/reactions').then((set) => { reactionSet = set; }).catch(() => {});

  const react = async (message, emoji, on) => {
    try {
      place(await api(on ? 'PUT' : 'DELETE', `/v1/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`));
    } catch (error) {
      status.textContent = error.message;
    }
  };

  // Chips ("🎸 2", pressed when one of them is the reader's), when there are any.
  const chips = (message) => {
    const used = message.reactions ?? [];
    if (!used.length) return null;
    return h('div', {class: 'reactions'}, used.map(({emoji, userIDs}) => {
      const mine = userIDs.includes(app.me.id);
      return h('button', {type: 'button', class: 'chip', 'aria-pressed': mine ? 'true' : 'false',
                          'aria-label': `${emoji} ${userIDs.length}${mine ? ', yours: take it back' : ''}`,
                          onclick: () => react(message, emoji, !mine)}, `${emoji} ${userIDs.length}`);
    }));
  };

  // "☺+": the server's emoji, one click to react.
  const picker = (message) => {
    const picker = h('details', {class: 'picker'}, h('summary', {'aria-label': 'Add a reaction', title: 'Add a reaction'}, '☺+'));
    picker.addEventListener('toggle', () => {
      if (!picker.open || picker.querySelector('.choices')) return;
      picker.append(h('div', {class: 'choices', role: 'group', 'aria-label': 'Reactions'},
          reactionSet.map((emoji) => h('button', {type: 'button', 'aria-label': `React with ${emoji}`, onclick: () => {
            picker.open = false;
            const mine = message.reactions?.find((r) => r.emoji === emoji)?.userIDs.includes(app.me.id);
            if (!mine) react(message, emoji, true);
          }}, emoji))));
    });
    return picker;
  };

  const render = (message) => {
    const mine = message.creator?.id === app.me.id;
    const body = h('p', {class: 'body'}, message.body);
    const item = h('li', {class: `message${mine ? ' mine' : ''}`, 'data-id': message.id, 'data-seq': message.seq},
        avatar(message.creator ?? {}),
        h('div', {},
            h('p', {class: 'meta'}, h('strong', {}, message.creator?.userName ?? 'someone'), ' ',
                h('time', {datetime: message.createdAt}, formatWhen(message.createdAt)),
                message.editedAt ? ' (edited)' : ''),
            body,
            chips(message),
            mine ? h('p', {class: 'actions'}, picker(message),
                h('button', {type: 'button', class: 'link', onclick: () => edit(message, item)}, 'Edit'),
                h('button', {type: 'button', class: 'link', onclick: () => remove(message)}, 'Delete'))
                 : h('p', {class: 'actions'}, picker(message),
                     h('button', {type: 'button', class: 'link', onclick: () => report('message', message.id, status)},
                         'Report'),
                     moderator && h('button', {type: 'button', class: 'link', onclick: () => remove(message)}, 'Delete'),
                     moderator && message.creator && h('button', {type: 'button', class: 'link',
                                                                 onclick: () => mute(message.creator)}, 'Mute'))));
    return item;
  };

  const place = (message) => {
    const known = messages.has(message.id);
    messages.set(message.id, message);
    const item = render(message);
    const existing = list.querySelector(`[data-id="${message.id}"]`);
    if (existing) return existing.replaceWith(item);
    if (known) return;
    // Keep order by seq wherever it arrives from (history, live push, catch-up).
    const after = [...list.children].find((li) => Number(li.dataset.seq) > message.seq);
    list.insertBefore(item, after ?? null);
    newest = Math.max(newest, message.seq);
    oldest = oldest === null ? message.seq : Math.min(oldest, message.seq);
  };

  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const toBottom = () => { scroller.scrollTop = scroller.scrollHeight; };

  const loadOlder = async () => {
    if (loading || exhausted) return;
    loading = true;
    const before = scroller.scrollHeight;
    try {
      const query = oldest ? `?before=${oldest}&limit=${PAGE}` : `?limit=${PAGE}`;
      const page = await api('GET', `/v1/channels/${channel}${query}`);
      page.forEach(place);
      exhausted = page.length < PAGE;
      olderButton.hidden = exhausted;
      scroller.scrollTop += scroller.scrollHeight - before;  // keep what was on screen in place
    } catch (error) {
      status.textContent = error.message;
    } finally {
      loading = false;
    }
  };

  // After a reconnect: everything after the newest seq we have, oldest first, page by page.
  const catchUp = async () => {
    try {
      for (;;) {
        const missed = await api('GET', `/v1/channels/${channel}?after=${newest}&limit=100`);
        const stick = atBottom();
        missed.forEach(place);
        if (stick) toBottom();
        if (missed.length < 100) break;
      }
    } catch (error) {
      status.textContent = error.message;
    }
  };

  const edit = (message, item) => {
    const box = h('textarea', {rows: 2, maxlength: 4096, 'aria-label': 'Edit message'});
    box.value = message.body;
    const save = h('form', {class: 'edit'}, box, h('button', {class: 'primary', type: 'submit'}, 'Save'),
        h('button', {type: 'button', onclick: () => item.replaceWith(render(message))}, 'Cancel'));
    save.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        place(await api('PATCH', `/v1/messages/${message.id}`, {body: box.value}));
      } catch (error) {
        status.textContent = error.message;
      }
    });
    item.querySelector('.body').replaceWith(save);
    box.focus();
  };

  const remove = async (message) => {
    if (!confirm('Delete this message?')) return;
    try {
      await api('DELETE', `/v1/messages/${message.id}`);
      list.querySelector(`[data-id="${message.id}"]`)?.remove();
    } catch (error) {
      status.textContent = error.message;
    }
  };

  const mute = async (who) => {
    const minutes = Number(prompt(`Mute ${who.userName} in this chat for how many minutes? (1 to 10080)`, '60'));
    if (!Number.isInteger(minutes) || minutes < 1) return;
    try {
      const muted = await api('POST', `/v1/channels/${channel}/mutes`, {id: who.id, minutes});
      status.textContent = `${who.userName} is muted until ${formatWhen(muted.until)}.`;
    } catch (error) {
      status.textContent = error.message;
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    status.textContent = '';
    // Cleared at once, not when the answer comes: the next message may be typed meanwhile.
    input.value = '';
    try {
      place(await api('POST', `/v1/channels/${channel}`, {body}));
      toBottom();
    } catch (error) {
      if (!input.value) input.value = body;  // back in the box, to send again
      status.textContent = error.message;
    }
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  olderButton.addEventListener('click', loadOlder);
  scroller.addEventListener('scroll', () => { if (scroller.scrollTop < 60) loadOlder(); });

  const onPush = (push) => {
    const message = push.message;
    if ((push.type === 'message-new' || push.type === 'message-update') && message?.channelID === channel) {
      const stick = atBottom();
      place(message);
      if (stick) toBottom();
    } else if (push.type === 'message-delete' && push.channelID === channel) {
      messages.delete(push.messageID);
      list.querySelector(`[data-id="${push.messageID}"]`)?.remove();
    } else if (push.type === 'channel-delete' && push.channelID === channel) {
      form.replaceWith(h('p', {class: 'muted'}, 'This chat has ended.'));
    }
  };
  app.pushListeners.add(onPush);
  app.reconnectListeners.add(catchUp);

  page.append(h('section', {class: 'card chat', 'aria-label': 'Event chat'},
      h('h2', {}, 'Chat'), olderButton, scroller, status, form));
  loadOlder().then(toBottom);
  return () => {
    app.pushListeners.delete(onPush);
    app.reconnectListeners.delete(catchUp);
  };
}
