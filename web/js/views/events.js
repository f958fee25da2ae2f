// Browsing, searching and creating events; joining and leaving; my events. Both lists come
// a page at a time (the API never sends more than a page), with "Show more events" for the
// next one.
import {api} from '../api.js';
import {app} from '../app.js';
import {clearErrors, field, formatWhen, h, setFieldError} from '../dom.js';
import {unread, unreadBadge} from '../unread.js';

const PAGE = 100;

/**
 * A list filled a page at a time: `fetchPage(offset)` gives the events from `offset` on, at
 * most PAGE of them; `onChange(item, event, card)` runs after the reader joined or left
 * `event`, shown as `item` (`card(event)` makes a new one).
 * Returns the list's elements and `reload()`, which starts again from the first page.
 */
function pagedEvents({fetchPage, onChange, empty}) {
  const list = h('ul', {class: 'events', 'aria-live': 'polite'});
  const error = h('p', {class: 'form-error', role: 'alert'});
  const more = h('button', {type: 'button', class: 'more', hidden: true}, 'Show more events');
  let shown = 0;
  const card = (event) => eventCard(event, (old) => onChange(old, event, card));
  const page = async (fresh) => {
    error.textContent = '';
    more.disabled = true;
    try {
      const events = await fetchPage(fresh ? 0 : shown);
      if (fresh) {
        list.replaceChildren();
        shown = 0;
      }
      list.append(...events.map(card));
      shown += events.length;
      more.hidden = events.length < PAGE;
      if (!shown) list.append(empty());
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => page(false));
  return {
    elements: [error, list, more],
    reload: () => page(true),
    forget: () => { shown -= 1; },  // a card left the list: the next page starts one earlier
  };
}

// After joining or leaving: the event as it is now, in place of its card.
async function refreshCard(old, event, card) {
  old.replaceWith(card(await api('GET', `/v1/events/${event.id}`)));
}

function eventCard(event, onChange) {
  const status = h('p', {class: 'card-error', role: 'alert'});
  const going = event.joined ? h('span', {class: 'badge'}, '✓ You\'re going') : null;
  // Unread messages in its chat, kept current while the card is on screen.
  const badge = h('span', {class: 'unread-slot'});
  const showUnread = () => {
    if (!badge.isConnected && badge.dataset.drawn) return unread.listeners.delete(showUnread);
    badge.dataset.drawn = '1';
    badge.replaceChildren(...(event.channel && event.joined ? [unreadBadge(unread.get(event.channel))].filter(Boolean) : []));
  };
  if (event.channel) {
    unread.listeners.add(showUnread);
    showUnread();
  }
  const people = `${event.memberCount} ${event.memberCount === 1 ? 'musician' : 'musicians'} going`;
  let action;
  if (event.creator && app.me && event.creator.id === app.me.id) {
    action = h('span', {class: 'muted'}, 'Your event');
  } else if (event.joined) {
    action = h('button', {type: 'button', onclick: async () => {
      try {
        await api('DELETE', `/v1/events/${event.id}/members/me`);
        await onChange(item);
      } catch (error) {
        status.textContent = error.message;
      }
    }}, 'Leave');
  } else {
    action = h('button', {class: 'primary', type: 'button', onclick: async () => {
      try {
        await api('POST', '/v1/events/join', {id: event.id});
        await onChange(item);
      } catch (error) {
        status.textContent = error.message;
      }
    }}, 'Join');
  }
  const item = h('li', {class: 'card event'},
      h('div', {class: 'event-when'}, h('time', {datetime: event.datetime}, formatWhen(event.datetime))),
      h('h2', {}, h('a', {href: `#/events/${event.id}`}, event.title), ' ', badge),
      h('p', {class: 'muted'}, `At ${event.location}`),
      event.description && h('p', {}, event.description),
      h('div', {class: 'event-foot'},
          h('span', {}, people), going,
          event.creator && h('span', {class: 'muted'}, `by ${event.creator.userName}`),
          h('span', {class: 'spacer'}), action),
      status);
  return item;
}

function dayStart(value) { return value ? new Date(`${value}T00:00`).toISOString() : null; }
function dayEnd(value) { return value ? new Date(`${value}T23:59:59`).toISOString() : null; }

export async function eventsView(page) {
  const search = h('form', {class: 'search', role: 'search'},
      field({label: 'Search', name: 'q', type: 'search', placeholder: 'folk, jam, Ballard…'}),
      field({label: 'From', name: 'from', type: 'date'}),
      field({label: 'To', name: 'to', type: 'date'}),
      h('button', {type: 'submit'}, 'Search'));
  const events = pagedEvents({
    fetchPage: (offset) => {
      const values = Object.fromEntries(new FormData(search));
      const query = new URLSearchParams({limit: String(PAGE), offset: String(offset)});
      if (values.q) query.set('q', values.q);
      if (dayStart(values.from)) query.set('from', dayStart(values.from));
      if (dayEnd(values.to)) query.set('to', dayEnd(values.to));
      return api('GET', `/v1/events?${query}`);
    },
    onChange: refreshCard,
    empty: () => h('li', {class: 'empty'}, 'No events match. Why not create one?'),
  });
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    events.reload();
  });

  const create = h('form', {class: 'card', novalidate: true},
      h('h2', {}, 'Create an event'),
      field({label: 'Title', name: 'title', required: true, maxlength: 255, placeholder: 'Sunday folk jam'}),
      h('div', {class: 'row'},
          field({label: 'Date and time', name: 'datetime', type: 'datetime-local', required: true}),
          field({label: 'Location', name: 'location', required: true, maxlength: 255, placeholder: 'Ballard Commons'})),
      field({label: 'Description', name: 'description', type: 'textarea', maxlength: 4000, rows: 3,
             placeholder: 'Bring a fiddle'}),
      h('p', {class: 'form-error', role: 'alert', tabindex: '-1'}),
      h('button', {class: 'primary', type: 'submit'}, 'Create event'));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(create);
    const values = Object.fromEntries(new FormData(create));
    let ok = true;
    if (!values.title.trim()) ok = !setFieldError(create, 'title', 'Give your event a title.');
    if (!values.datetime) ok = !setFieldError(create, 'datetime', 'Pick a date and time.') && ok;
    else if (new Date(values.datetime) <= new Date()) ok = !setFieldError(create, 'datetime', 'Pick a time in the future.') && ok;
    if (!values.location.trim()) ok = !setFieldError(create, 'location', 'Say where it happens.') && ok;
    if (!ok) return create.querySelector('[aria-invalid="true"]')?.focus();
    try {
      const made = await api('POST', '/v1/events', {...values, datetime: new Date(values.datetime).toISOString()});
      create.reset();
      location.hash = `#/events/${made.id}`;
    } catch (error) {
      const name = ['title', 'datetime', 'location', 'description'].find((n) => error.message.toLowerCase().startsWith(n));
      if (!(name && setFieldError(create, name, error.message))) create.querySelector('.form-error').textContent = error.message;
    }
  });

  page.append(h('h1', {}, 'Find musicians to play with'), search, ...events.elements,
      h('details', {class: 'create'}, h('summary', {}, '+ New event'), create));
  await events.reload();
}

export async function myEventsView(page) {
  const events = pagedEvents({
    fetchPage: (offset) => api('GET', `/v1/events/join?limit=${PAGE}&offset=${offset}`),
    onChange: async (old, event, card) => {
      if (event.joined) {  // left it: no longer one of mine
        old.remove();
        events.forget();
      } else {
        await refreshCard(old, event, card);
      }
    },
    empty: () => h('li', {class: 'empty'}, h('span', {}, 'You have not joined any event yet. '),
        h('a', {href: '#/events'}, 'Find one')),
  });
  page.append(h('h1', {}, 'My events'), ...events.elements);
  await events.reload();
}
