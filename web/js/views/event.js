// One event: what, when and where, joining it, and its live chat (chat.js).
import {api} from '../api.js';
import {app} from '../app.js';
import {formatWhen, h} from '../dom.js';
import {chat} from './chat.js';
import {isAdmin, report} from './moderation.js';

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
