// An event's live chat: history with infinite scroll back, sending, replying, reacting,
// @mentions with completion, editing and deleting one's own messages, live updates, "Ann is
// typing…", who is in it and online, a "New messages" divider where the reader left off,
// marking read while on screen, and catching up after a reconnect.
import {api} from '../api.js';
import {app} from '../app.js';
import {avatar, formDialog, formatWhen, h, say, selectField} from '../dom.js';
import {privateChannels, unread} from '../unread.js';
import {mentionCompleter, withMentions} from './mentions.js';
import {report} from './moderation.js';

const PAGE = 50;

/** The chat of `channel` into `page`; returns the cleanup to run when leaving the view. */
export function chat(page, channel, moderator) {
  const messages = new Map();  // id → message, for de-duplication
  const list = h('ol', {class: 'messages', 'aria-live': 'polite', 'aria-label': 'Messages'});
  const scroller = h('div', {class: 'scroller', tabindex: '0'}, list);
  const olderButton = h('button', {type: 'button', class: 'link'}, 'Load earlier messages');
  const status = h('p', {class: 'form-error', role: 'alert'});
  const input = h('textarea', {id: 'chat-input', name: 'body', rows: 2, maxlength: 4096, required: true,
                               placeholder: 'Write a message… (@ to name someone)', 'aria-label': 'Message'});
  const replyBar = h('div', {class: 'reply-bar', hidden: true});
  const form = h('form', {class: 'composer'}, input, h('button', {class: 'primary', type: 'submit'}, 'Send'));
  // Seqs (the channel's own 1, 2, 3… in commit order) of the oldest and newest message held:
  // history pages back before the one and catches up after the other.
  let oldest = null, newest = 0, exhausted = false, loading = false;
  let members = [];          // the channel's people, for @-completion and highlighting
  let replyingTo = null;     // the message the next one answers
  let lastReadSent = 0;      // the seq this tab last marked read
  // The emoji this server lets people react with (its config), for the picker.
  let reactionSet = [];
  api('GET', '/v1/reactions').then((set) => { reactionSet = set; }).catch(() => {});

  const react = async (message, emoji, on) => {
    try {
      place(await api(on ? 'PUT' : 'DELETE', `/v1/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`));
    } catch (error) {
      say(status, error.message);
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

  // "☺+": the server's emoji, one click to react. Escape closes it, back on "☺+".
  const picker = (message) => {
    const summary = h('summary', {'aria-label': 'Add a reaction', title: 'Add a reaction'}, '☺+');
    const picker = h('details', {class: 'picker'}, summary);
    picker.addEventListener('keydown', (key) => {
      if (key.key !== 'Escape' || !picker.open) return;
      key.preventDefault();
      picker.open = false;
      summary.focus();
    });
    picker.addEventListener('toggle', () => {
      if (!picker.open || picker.querySelector('.choices')) return;
      picker.append(h('div', {class: 'choices', role: 'group', 'aria-label': 'Reactions'},
          reactionSet.map((emoji) => h('button', {type: 'button', 'aria-label': `React with ${emoji}`, onclick: () => {
            picker.open = false;
            summary.focus();  // the choice pressed is hidden now
            const mine = message.reactions?.find((r) => r.emoji === emoji)?.userIDs.includes(app.me.id);
            if (!mine) react(message, emoji, true);
          }}, emoji))));
    });
    return picker;
  };

  // The message answered, above the answer; a click goes to it.
  const quote = (message) => {
    const quoted = message.replyTo;
    if (!quoted) return null;
    if (quoted.deleted) return h('p', {class: 'quote deleted'}, 'Reply to a deleted message');
    return h('button', {type: 'button', class: 'quote', 'aria-label': `Reply to ${quoted.creator?.userName ?? 'someone'}: ${quoted.body}. Show it`,
                        onclick: () => jumpTo(quoted.id)},
        h('strong', {}, quoted.creator?.userName ?? 'someone'), ' ', quoted.body);
  };

  const render = (message) => {
    const mine = message.creator?.id === app.me.id;
    const namesMe = message.mentions?.includes(app.me.id);
    const body = h('p', {class: 'body'}, withMentions(message.body, members, namesMe ? app.me : null));
    const replyButton = h('button', {type: 'button', class: 'link', onclick: () => replyTo(message)}, 'Reply');
    const item = h('li', {class: `message${mine ? ' mine' : ''}${namesMe && !mine ? ' names-me' : ''}`,
                          'data-id': message.id, 'data-seq': message.seq},
        avatar(message.creator ?? {}),
        h('div', {},
            h('p', {class: 'meta'}, h('strong', {}, message.creator?.userName ?? 'someone'), ' ',
                h('time', {datetime: message.createdAt}, formatWhen(message.createdAt)),
                message.editedAt ? ' (edited)' : ''),
            quote(message),
            body,
            chips(message),
            mine ? h('p', {class: 'actions'}, picker(message), replyButton,
                h('button', {type: 'button', class: 'link', 'data-act': 'edit', onclick: () => edit(message, item)}, 'Edit'),
                h('button', {type: 'button', class: 'link', onclick: () => remove(message)}, 'Delete'))
                 : h('p', {class: 'actions'}, picker(message), replyButton,
                     h('button', {type: 'button', class: 'link', onclick: (click) => report('message', message.id, status, click.currentTarget)},
                         'Report'),
                     moderator && h('button', {type: 'button', class: 'link', onclick: () => remove(message)}, 'Delete'),
                     moderator && message.creator && h('button', {type: 'button', class: 'link',
                                                                 onclick: (click) => mute(message.creator, click.currentTarget)},
                                                           'Mute…'))));
    return item;
  };

  const place = (message) => {
    const known = messages.has(message.id);
    messages.set(message.id, message);
    const item = render(message);
    const existing = list.querySelector(`[data-id="${message.id}"]`);
    // One being edited stays as it is (a reaction must not wipe the draft): the edit's end
    // shows the message as it is then.
    if (existing) {
      if (existing.querySelector('form.edit')) return;
      const focused = existing.contains(document.activeElement) ? document.activeElement : null;
      existing.replaceWith(item);
      if (focused) sameControl(item, focused)?.focus();
      return;
    }
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
      const query = oldest ? `?beforeSeq=${oldest}&limit=${PAGE}` : `?limit=${PAGE}`;
      const page = await api('GET', `/v1/channels/${channel}${query}`);
      page.forEach(place);
      exhausted = page.length < PAGE;
      olderButton.hidden = exhausted;
      scroller.scrollTop += scroller.scrollHeight - before;  // keep what was on screen in place
    } catch (error) {
      say(status, error.message);
    } finally {
      loading = false;
    }
  };

  // The quoted message, loading earlier pages until it is there (or the history ends).
  const jumpTo = async (id) => {
    for (let pages = 0; !list.querySelector(`[data-id="${id}"]`) && !exhausted && pages < 20; ++pages) await loadOlder();
    const target = list.querySelector(`[data-id="${id}"]`);
    if (!target) {
      say(status, 'That message is no longer there.');
      return;
    }
    target.scrollIntoView({block: 'center'});
    target.classList.add('flash');
    setTimeout(() => target.classList.remove('flash'), 1600);
  };

  // After a reconnect: everything after the newest seq we have, oldest first, page by page.
  const catchUp = async () => {
    try {
      for (;;) {
        const from = newest;
        const missed = await api('GET', `/v1/channels/${channel}?afterSeq=${from}&limit=100`);
        const stick = atBottom();
        missed.forEach(place);
        if (stick) toBottom();
        // A full page moves `newest` on; one that does not (a server that knows no afterSeq
        // answers the newest messages) would be asked for again and again.
        if (missed.length < 100 || newest <= from) break;
      }
      markRead();
    } catch (error) {
      say(status, error.message);
    }
  };

  // The newest message held is read while this chat is on screen (the server keeps the
  // furthest marker of all the reader's tabs), and sent at once when the reader leaves
  // before it was: the unread counts skipped what came while the chat was on screen.
  let markTimer = null;
  const sendMark = async () => {
    markTimer = null;
    if (document.visibilityState !== 'visible' || newest <= lastReadSent) return;
    const last = [...messages.values()].reduce((a, b) => (b.seq > (a?.seq ?? 0) ? b : a), null);
    if (!last) return;
    lastReadSent = last.seq;
    try {
      await api('PUT', `/v1/channels/${channel}/read`, {messageID: last.id});
    } catch {
      lastReadSent = 0;  // tried again with the next message or visit
    }
  };
  const markRead = () => {
    clearTimeout(markTimer);
    markTimer = setTimeout(sendMark, 300);
  };
  const onVisible = () => { if (document.visibilityState === 'visible') markRead(); };

  const replyTo = (message) => {
    replyingTo = message;
    replyBar.replaceChildren(
        h('span', {}, 'Replying to ', h('strong', {}, message.creator?.userName ?? 'someone'), ': ',
            message.body.length > 80 ? `${message.body.slice(0, 80)}…` : message.body),
        h('button', {type: 'button', class: 'link', onclick: cancelReply}, 'Cancel reply'));
    replyBar.hidden = false;
    input.focus();
  };
  const cancelReply = () => {
    replyingTo = null;
    replyBar.hidden = true;
    replyBar.replaceChildren();
  };

  const edit = (message, item) => {
    const box = h('textarea', {rows: 2, maxlength: 4096, 'aria-label': 'Edit message'});
    box.value = message.body;
    // The edit over, the message is drawn again and its Edit button has the focus.
    const editAgain = () => list.querySelector(`[data-id="${message.id}"] [data-act="edit"]`)?.focus();
    const cancel = h('button', {type: 'button', onclick: () => {
      item.replaceWith(render(messages.get(message.id) ?? message));
      editAgain();
    }}, 'Cancel');
    const save = h('form', {class: 'edit'}, box, h('button', {class: 'primary', type: 'submit'}, 'Save'), cancel);
    save.addEventListener('keydown', (key) => {  // Escape: as Cancel
      if (key.key !== 'Escape') return;
      key.preventDefault();
      cancel.click();
    });
    save.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = box.value.trim();
      if (!body) return say(status, 'Write something, or delete the message.');
      try {
        const saved = await api('PATCH', `/v1/messages/${message.id}`, {body});
        save.remove();  // the edit is over: the message as saved takes the item's place
        place(saved);
        editAgain();
      } catch (error) {
        say(status, error.message);
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
      input.focus();  // the button pressed is gone: back to writing
    } catch (error) {
      say(status, error.message);
    }
  };

  // A moderator mutes a member for a while, or lifts a mute they have (there is no list of
  // mutes to show: unmuting someone who is not muted changes nothing).
  const mute = (who, opener) => {
    const length = selectField({label: 'For', name: 'minutes', id: 'mute-minutes', value: '60',
                                options: [['15', '15 minutes'], ['60', 'an hour'], ['1440', 'a day'], ['10080', 'a week']]});
    formDialog({
      title: `Mute ${who.userName} in this chat?`,
      fields: [h('p', {}, 'They can still read it, but cannot post in it until then. Unmute lets them post again now.'),
               length],
      buttons: [h('button', {type: 'submit', class: 'danger', value: 'mute'}, 'Mute'),
                h('button', {type: 'submit', value: 'unmute'}, 'Unmute')],
      keepText: 'Close',
      focus: length.querySelector('select'),
      onSubmit: async (action) => {
        if (action === 'unmute') {
          await api('DELETE', `/v1/channels/${channel}/mutes/${who.id}`);
          return say(status, `${who.userName} can post again.`, true);
        }
        const minutes = Number(length.querySelector('select').value);
        const muted = await api('POST', `/v1/channels/${channel}/mutes`, {id: who.id, minutes});
        say(status, `${who.userName} is muted until ${formatWhen(muted.until)}.`, true);
      },
      onClose: () => opener.isConnected && opener.focus(),
    });
  };

  const completer = mentionCompleter(input, () => members.filter((m) => m.id !== app.me.id));

  // Who is in this chat, a green dot on those online now (GET /v1/presence, then pushes).
  const online = new Set();
  const people = h('ul', {class: 'people', 'aria-label': 'In this chat'});
  const showPeople = () => {
    people.replaceChildren(...members.map((m) => h('li', {class: online.has(m.id) ? 'online' : ''},
        avatar(m), h('span', {}, m.userName),
        h('span', {class: 'dot', role: 'img', 'aria-label': online.has(m.id) ? 'online' : 'offline',  // read out, not only seen
                   title: online.has(m.id) ? 'online' : 'offline'}))));
  };
  const loadPresence = async () => {
    const ids = members.map((m) => m.id).slice(0, 100);
    if (!ids.length) return showPeople();
    try {
      const found = await api('GET', `/v1/presence?userIDs=${ids.join(',')}`);
      online.clear();
      found.online.forEach((id) => online.add(id));
    } catch {
      // no dots: the chat works without them
    }
    showPeople();
  };

  // "Ann is typing…": the server passes our typing frames on at most every 2 s, and we send
  // no more often; a name goes 4 s after its last frame, or when its message arrives.
  const typingLine = h('p', {class: 'typing muted', 'aria-live': 'polite'});
  const typists = new Map();  // user id → timer
  const showTypists = () => {
    const names = [...typists.keys()].map((id) => members.find((m) => m.id === id)?.userName ?? 'Someone');
    typingLine.textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
        : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
  };
  const stoppedTyping = (id) => {
    clearTimeout(typists.get(id));
    if (typists.delete(id)) showTypists();
  };
  const startedTyping = (id) => {
    clearTimeout(typists.get(id));
    typists.set(id, setTimeout(() => stoppedTyping(id), 4000));
    showTypists();
  };
  let typingSent = 0;
  input.addEventListener('input', () => {
    if (!input.value.trim() || Date.now() - typingSent < 2000) return;
    if (app.live?.send({type: 'typing', channelID: channel})) typingSent = Date.now();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    say(status, '');
    // Cleared at once, not when the answer comes: the next message may be typed meanwhile.
    input.value = '';
    const answering = replyingTo;
    cancelReply();
    try {
      place(await api('POST', `/v1/channels/${channel}`, answering ? {body, replyTo: answering.id} : {body}));
      toBottom();
      markRead();
    } catch (error) {
      if (!input.value) input.value = body;  // back in the box, to send again
      if (answering && !replyingTo) replyTo(answering);
      say(status, error.message);
    }
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !completer.isOpen()) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === 'Escape' && replyingTo && !completer.isOpen()) {
      cancelReply();
    }
  });
  olderButton.addEventListener('click', loadOlder);
  scroller.addEventListener('scroll', () => { if (scroller.scrollTop < 60) loadOlder(); });

  // The replies to a message show it as it is now: edited (its first 200 characters, as the
  // server quotes it) or deleted.
  const requote = (id, replyTo) => {
    for (const reply of [...messages.values()])
      if (reply.replyTo?.id === id) place({...reply, replyTo});
  };

  const onPush = (push) => {
    const message = push.message;
    if ((push.type === 'message-new' || push.type === 'message-update') && message?.channelID === channel) {
      const stick = atBottom();
      place(message);
      if (push.type === 'message-update')
        requote(message.id, {id: message.id, body: [...message.body].slice(0, 200).join(''), creator: message.creator});
      if (stick) toBottom();
      if (push.type === 'message-new') {
        stoppedTyping(message.creator?.id);
        markRead();
      }
    } else if (push.type === 'typing' && push.channelID === channel && push.userID !== app.me.id) {
      startedTyping(push.userID);
    } else if (push.type === 'presence' && members.some((m) => m.id === push.userID)) {
      if (push.online) online.add(push.userID);
      else online.delete(push.userID);
      showPeople();
    } else if (push.type === 'message-delete' && push.channelID === channel) {
      messages.delete(push.messageID);
      list.querySelector(`[data-id="${push.messageID}"]`)?.remove();
      requote(push.messageID, {id: push.messageID, deleted: true});
    } else if (push.type === 'channel-update' && push.channel?.id === channel) {
      members = push.channel.members ?? members;
      loadPresence();
    } else if (push.type === 'channel-delete' && push.channelID === channel) {
      form.replaceWith(h('p', {class: 'muted'}, 'This chat has ended.'));
    }
  };
  app.pushListeners.add(onPush);
  app.reconnectListeners.add(catchUp);
  app.reconnectListeners.add(loadPresence);
  document.addEventListener('visibilitychange', onVisible);
  unread.reading = channel;

  page.append(h('section', {class: 'card chat', 'aria-label': 'Event chat'},
      h('h2', {}, 'Chat'), people, olderButton, scroller, typingLine, status, replyBar, form, completer.element));

  // Where the reader left off (the server's marker, shared by all their tabs), then the
  // newest page, with a divider before the first message since then that is not their own.
  (async () => {
    let lastRead = unread.get(channel).lastRead;
    try {
      let found;
      for await (const channels of privateChannels()) {
        found = channels.find((c) => c.id === channel);
        if (found) break;
      }
      if (found) {
        members = found.members ?? [];
        lastRead = found.lastRead ?? lastRead;
      }
    } catch {
      // no completion list; the chat works without it
    }
    loadPresence();
    await loadOlder();
    const first = [...list.children].find((li) => Number(li.dataset.seq) > lastRead && !li.classList.contains('mine'));
    if (first && lastRead > 0) {
      list.insertBefore(h('li', {class: 'divider', role: 'separator'}, h('span', {}, 'New messages')), first);
      first.scrollIntoView({block: 'center'});
    } else {
      toBottom();
    }
    markRead();
  })();

  return () => {
    if (markTimer !== null) {
      clearTimeout(markTimer);
      sendMark();
    }
    typists.forEach((timer) => clearTimeout(timer));
    if (unread.reading === channel) unread.reading = null;
    app.pushListeners.delete(onPush);
    app.reconnectListeners.delete(catchUp);
    app.reconnectListeners.delete(loadPresence);
    document.removeEventListener('visibilitychange', onVisible);
    completer.close();
  };
}

// In a message drawn again, the control that had the focus in the old drawing: the one with
// the same text, or for a reaction chip (whose count changed) the one with the same emoji;
// else the "☺+" of its picker (a chip taken back to nothing, a picker's choice).
function sameControl(item, old) {
  const emoji = (control) => control.textContent.split(' ')[0];
  const chip = old.classList.contains('chip');
  return [...item.querySelectorAll('button, summary, a')].find((control) => control.tagName === old.tagName &&
      (chip ? control.classList.contains('chip') && emoji(control) === emoji(old) : control.textContent === old.textContent))
    ?? item.querySelector('.picker summary');
}
