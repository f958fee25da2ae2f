// Browsing, searching and creating events; joining and leaving; my events (with subscribing
// to them in a calendar app: calendar.js); the jams that need one of your instruments. Lists
// come a page at a time (the API never sends more than a page), with "Show more events" for
// the next one. Cards show the open slots ("Needs: bass, drums"), your place, cancelled
// events, dates of a series and, where known, the distance.
import {api, isStale} from '../api.js';
import {app} from '../app.js';
import {checkField, field, formatWhen, h, selectField, whileBusy} from '../dom.js';
import {nearWords, searchCentre} from '../geo.js';
import {unread, unreadBadge} from '../unread.js';
import {instrumentNames, loadInstruments} from '../vocab.js';
import {calendarPanel} from './calendar.js';
import {eventForm} from './eventform.js';
import {inSentence, joinClosed, openSlots, rsvpFromSlots} from './lineup.js';

const PAGE = 100;

/**
 * A list filled a page at a time: `fetchPage(offset)` gives the events from `offset` on, at
 * most PAGE of them; `onChange(current, event, card)` runs after the reader joined or left
 * `event`, whose card on screen is then `current()` (a push may have replaced the one
 * clicked meanwhile; `card(event)` makes a new one); `names` maps instrument slugs
 * to names; `explain(error)` (optional) says what a failed page means, as nodes.
 * Returns the list's elements, `reload(prepare)`, which starts again from the first page
 * once the optional async `prepare()` is done (it gives a function that makes its search
 * the current one, called only if no newer load began meanwhile, or false when the search
 * cannot be made: the list is then emptied), `remove(id)`, which takes an event's card off,
 * and `stop()`, for when the view goes.
 * Only the latest load fills the list; the list is aria-busy while one runs. Cards of
 * events the reader is a member of stay current: the server pushes each change of such an
 * event (event-update: all but the reader's own place), the reader's place when the server
 * moves them (rsvp-update) and its deletion (event-delete); after a lost connection the
 * list loads again. With `onlyJoined`, a card goes when the reader is no longer in its
 * event (My events).
 */
function pagedEvents({fetchPage, onChange, empty, names, onlyJoined = false, explain = (failure) => [failure.message]}) {
  const list = h('ul', {class: 'events', 'aria-live': 'polite'});
  const error = h('p', {class: 'form-error', role: 'alert'});
  const more = h('button', {type: 'button', class: 'more', hidden: true}, 'Show more events');
  let shown = 0, latest = 0;
  const cards = new Map();  // event id → {item, event}: the card on screen and what it shows
  const lookups = new Map();  // event id → how many times its card asked the server for it
  // `notice`: why the reader's change failed, when the card was out of date (drawn again).
  const card = (event, notice = '') => {
    const current = () => cards.get(event.id)?.item;
    const item = eventCard(event, names, {
      changed: () => onChange(current, event, card),
      stale: (why) => refreshCard(current, event, (fresh) => card(fresh, why)),
    }, notice);
    cards.set(event.id, {item, event});
    return item;
  };
  // A card leaves the list: the next page starts one earlier, and an empty list says so.
  // The focus it had goes to the next card (or the one before, or the empty list's link).
  const drop = (item, id) => {
    const focused = item.contains(document.activeElement);
    const neighbour = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    cards.delete(id);
    shown -= 1;
    if (!list.querySelector('.event')) list.replaceChildren(empty());
    if (focused) (neighbour?.isConnected ? neighbour : list).querySelector('a, button')?.focus();
  };
  const onPush = async (push) => {
    const id = push.type === 'event-update' ? push.event?.id : push.eventID;
    const current = cards.get(id);
    if (!current?.item.isConnected) return;
    const {item, event} = current;
    if (push.type === 'event-update') {
      // The reader's place: from the slots when they hold one there; a place on the general
      // waitlist moves as others leave, which only the server knows.
      const placed = event.joined ? rsvpFromSlots(push.event, app.me?.id) : undefined;
      if (!placed && event.rsvp?.state === 'waitlisted') {
        const asked = (lookups.get(id) ?? 0) + 1;  // only the latest lookup's answer counts
        lookups.set(id, asked);
        const fresh = await api('GET', `/v1/events/${id}`).catch(() => null);
        const now = cards.get(id);  // the card on screen now (a new search may have replaced it)
        if (fresh && lookups.get(id) === asked && now?.item.isConnected) {
          swapCard(now.item, card({...fresh, distanceKm: now.event.distanceKm}));
        }
        return;
      }
      swapCard(item, card({...push.event, rsvp: placed ?? event.rsvp, joined: event.joined, distanceKm: event.distanceKm}));
    } else if (push.type === 'rsvp-update') {
      if (onlyJoined && push.rsvp === null) return drop(item, id);  // removed from it
      swapCard(item, card({...event, rsvp: push.rsvp, joined: push.rsvp !== null}));
    } else if (push.type === 'event-delete') {
      drop(item, id);
    }
  };
  const reconnected = () => {
    if (list.isConnected) page(true);  // else not on screen yet, or gone (the view's cleanup stops it)
  };
  const stop = () => {
    app.pushListeners.delete(onPush);
    app.reconnectListeners.delete(reconnected);
  };
  app.pushListeners.add(onPush);
  app.reconnectListeners.add(reconnected);
  const page = async (fresh, prepare) => {
    const mine = ++latest;  // a newer load makes this one's answer stale
    list.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      if (prepare) {
        // false, or what makes the prepared search the current one: done only while this
        // load is the latest (a search begun while the browser was asked where it is wins).
        const ready = await prepare();
        if (mine !== latest) return;
        if (!ready) {
          // The search cannot be made (its status line says why): the last one's cards do
          // not answer it either.
          list.replaceChildren();
          cards.clear();
          shown = 0;
          more.hidden = true;
          return;
        }
        ready();
      }
      const events = await fetchPage(fresh ? 0 : shown);
      if (mine !== latest) return;
      error.replaceChildren();
      if (fresh) {
        list.replaceChildren();
        shown = 0;
      }
      list.querySelector(':scope > .empty')?.remove();  // a push may have emptied the list meanwhile
      list.append(...events.map((event) => card(event)));
      shown += events.length;
      more.hidden = events.length < PAGE;
      if (!list.querySelector('.event')) list.replaceChildren(empty());
    } catch (failure) {
      if (mine !== latest) return;
      error.replaceChildren(...explain(failure));
      if (prepare) {  // a new search that failed: the cards of the last one do not answer it
        list.replaceChildren();
        cards.clear();
        shown = 0;
        more.hidden = true;
      }
    } finally {
      if (mine === latest) {
        list.setAttribute('aria-busy', 'false');
        more.disabled = false;
      }
    }
  };
  more.addEventListener('click', async () => {
    const before = list.children.length, focused = document.activeElement === more;
    await page(false);
    // Disabled while it loaded (and hidden after the last page), the button dropped the
    // keyboard's focus to the page: it goes on at the first event just shown.
    if (focused && [document.body, more].includes(document.activeElement))
      (list.children[before]?.querySelector('h2 a') ?? (more.hidden ? null : more))?.focus();
  });
  return {
    elements: [error, list, more],
    reload: (prepare) => page(true, prepare),
    // Takes an event's card off the list (unless a push took it first).
    remove: (id) => {
      const item = cards.get(id)?.item;
      if (item?.isConnected) drop(item, id);
    },
    stop,
  };
}

// After joining or leaving (or failing to): the event as it is now, in place of its card
// (with the distance a near-me search gave it: an event alone has none).
async function refreshCard(current, event, card) {
  const fresh = await api('GET', `/v1/events/${event.id}`);
  const old = current();
  if (old) swapCard(old, card({...fresh, distanceKm: event.distanceKm}));
}

// Puts `fresh` in place of the card `old`. Focus inside the old card moves to the same
// place in the new one: its title's link, or its action (Join becomes Leave; without one,
// the title): a keyboard stays where it was.
function swapCard(old, fresh) {
  const focused = old.contains(document.activeElement) ? document.activeElement : null;
  old.replaceWith(fresh);
  if (!focused) return;
  const title = fresh.querySelector('h2 a');
  (focused.closest('h2') ? title : fresh.querySelector('.event-foot button, .event-foot a') ?? title)?.focus();
}

/** The reader's place, as a badge. */
function placeBadge(event, names) {
  const rsvp = event.rsvp;
  if (rsvp?.state === 'waitlisted')
    return h('span', {class: 'badge'}, `#${rsvp.position} on the ${rsvp.instrument ? `${inSentence(names.get(rsvp.instrument) ?? rsvp.instrument)} ` : ''}waitlist`);
  return rsvp || event.joined ? h('span', {class: 'badge'}, '✓ You\'re going') : null;
}

/**
 * An event's card. After the reader joins or leaves, `changed()` draws what follows; when
 * that fails because the card was out of date, `stale(message)` draws the event as it is
 * now with the message (`notice` on the new card).
 */
function eventCard(event, names, {changed, stale}, notice = '') {
  const status = h('p', {class: 'card-error', role: 'alert'});
  if (notice) queueMicrotask(() => { status.textContent = notice; });  // once on the page: announced
  const cancelled = event.status === 'cancelled';
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
  const going = `${event.memberCount} ${event.memberCount === 1 ? 'musician' : 'musicians'} going`;
  const waiting = event.waitlistCount ? `, ${event.waitlistCount} waiting` : '';
  const needs = cancelled ? [] : openSlots(event).map((slug) => inSentence(names.get(slug) ?? slug));
  const where = [`At ${event.location}`, event.onlineURL && 'and online',
                 event.distanceKm !== undefined && event.distanceKm !== null && `· ${event.distanceKm.toFixed(1)} km away`];
  // The card drawn after takes over the keyboard's focus (whileBusy keeps it on the button).
  const join = async (button, work) => {
    try {
      await whileBusy(button, async () => {
        await work();
        await changed();
      });
    } catch (error) {
      const redrawn = isStale(error) && await stale(error.message).then(() => true, () => false);
      if (!redrawn) status.textContent = error.message;
    }
  };
  let action;
  if (event.creator && app.me && event.creator.id === app.me.id) {
    action = h('span', {class: 'muted'}, 'Your event');
  } else if (event.joined) {
    action = h('button', {type: 'button', onclick: (click) => join(click.currentTarget,
        () => api('DELETE', `/v1/events/${event.id}/members/me`))}, event.rsvp?.state === 'waitlisted' ? 'Leave the waitlist' : 'Leave');
  } else if (joinClosed(event)) {
    action = null;
  } else if (event.slots?.length) {  // which instrument: asked on its page
    action = h('a', {class: 'button primary', href: `#/events/${event.id}`, title: 'Choose an instrument on its page'}, 'Join…');
  } else {
    action = h('button', {class: 'primary', type: 'button', onclick: (click) => join(click.currentTarget,
        () => api('POST', '/v1/events/join', {id: event.id}))}, 'Join');
  }
  const item = h('li', {class: `card event${cancelled ? ' is-cancelled' : ''}`},
      h('div', {class: 'event-when'}, h('time', {datetime: event.datetime}, formatWhen(event.datetime))),
      h('h2', {}, h('a', {href: `#/events/${event.id}`}, event.title), ' ',
          cancelled && h('span', {class: 'badge cancelled'}, 'Cancelled'), ' ',
          event.seriesID !== null && event.seriesID !== undefined && h('span', {class: 'badge'}, 'Series'), ' ', badge),
      h('p', {class: 'muted'}, where.filter(Boolean).join(' ')),
      needs.length > 0 && h('p', {class: 'needs'}, h('strong', {}, 'Needs: '), needs.join(', ')),
      event.description && h('p', {}, event.description),
      h('div', {class: 'event-foot'},
          h('span', {}, going, waiting), placeBadge(event, names),
          event.creator && h('span', {class: 'muted'}, `by ${event.creator.userName}`),
          h('span', {class: 'spacer'}), action),
      status);
  return item;
}

function dayStart(value) { return value ? new Date(`${value}T00:00`).toISOString() : null; }
function dayEnd(value) { return value ? new Date(`${value}T23:59:59`).toISOString() : null; }

const RADII_KM = [5, 10, 25, 50, 100];

/**
 * Find events: text, dates, cancelled ones too, and the line-up filters (an instrument, open
 * places only, near me). A search's parameters stay as they were when it was made, so "Show
 * more events" pages through the same search.
 */
export async function eventsView(page) {
  const names = await instrumentNames();
  // The vocabulary comes from the musicians plugin: without it, no instrument filter.
  const instruments = await loadInstruments().catch(() => null);
  const nearStatus = h('p', {class: 'hint', role: 'status'});
  const search = h('form', {class: 'search event-search', role: 'search'},
      field({label: 'Search', name: 'q', type: 'search', placeholder: 'folk, jam, Ballard…'}),
      field({label: 'From', name: 'from', type: 'date'}),
      field({label: 'To', name: 'to', type: 'date'}),
      h('button', {type: 'submit'}, 'Search'),
      h('div', {class: 'filters'},
          instruments && selectField({label: 'Instrument', name: 'instrument',
            options: [['', 'Any instrument'], ...instruments.map((i) => [i.slug, i.name])]}),
          checkField({label: 'Open places only', name: 'open'}),
          h('fieldset', {class: 'near'}, h('legend', {}, 'Distance'),
              checkField({label: 'Near me', name: 'near'}),
              selectField({label: 'Radius', name: 'radiusKm', value: '25',
                options: RADII_KM.map((km) => [String(km), `${km} km`])}),
              nearStatus)),
      checkField({label: 'Include cancelled events', name: 'cancelled'}));

  let query = new URLSearchParams(), here = null;
  // The form as a query (a function that makes it current). "Near me" asks the browser where
  // it is (else takes your musician area), once a visit; false when neither is known (the
  // status line says why).
  const readForm = async () => {
    const values = Object.fromEntries(new FormData(search));
    const next = new URLSearchParams();
    if (values.q) next.set('q', values.q);
    if (dayStart(values.from)) next.set('from', dayStart(values.from));
    if (dayEnd(values.to)) next.set('to', dayEnd(values.to));
    if (values.cancelled) next.set('status', 'all');
    if (values.instrument) next.set('instrument', values.instrument);
    if (values.open) next.set('open', 'true');
    if (values.near) {
      here ??= await searchCentre(nearStatus);
      if (!here) return false;
      nearStatus.textContent = `${nearWords(here)}, nearest first`;
      next.set('near', `${here.lat},${here.lon}`);
      next.set('radiusKm', values.radiusKm);
    } else {
      nearStatus.textContent = '';
    }
    return () => { query = next; };
  };
  const events = pagedEvents({
    names,
    fetchPage: (offset) => {
      const params = new URLSearchParams(query);
      params.set('limit', String(PAGE));
      params.set('offset', String(offset));
      return api('GET', `/v1/events?${params}`);
    },
    onChange: refreshCard,
    empty: () => h('li', {class: 'empty'}, 'No events match. Try fewer filters, or why not create one?'),
  });
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    events.reload(readForm);
  });

  const create = await eventForm({onSaved: (made) => { location.hash = `#/events/${made.id}`; }});
  // "+ New event" above the list, not under its last page (on a phone, 20 cards down).
  page.append(h('h1', {}, 'Find musicians to play with'),
      h('details', {class: 'create'}, h('summary', {}, '+ New event'), create), search, ...events.elements);
  await events.reload();
  return events.stop;
}

/** Upcoming jams with a slot for one of the reader's instruments, open places first, then the nearest. */
export async function forMeView(page) {
  const names = await instrumentNames();
  const events = pagedEvents({
    names,
    fetchPage: (offset) => api('GET', `/v1/events?forMe=true&limit=${PAGE}&offset=${offset}`),
    onChange: refreshCard,
    empty: () => h('li', {class: 'empty'}, 'No upcoming jam has a slot for your instruments yet. ',
        h('a', {href: '#/events'}, 'Find events'), ' or create one.'),
    // A 400 says what is missing, in the API's words ("forMe …"): said here in the page's.
    explain: (failure) => {
      if (failure.status === 400 && /musicians plugin/i.test(failure.message))
        return ['This server keeps no musician profiles (its musicians plugin is off), so it cannot tell which jams need you.'];
      if (failure.status === 400 && /instrument/i.test(failure.message))
        return ['Jams are matched to the instruments you play: add an instrument to your musician profile first. ',
          h('a', {href: '#/my-music'}, 'Edit your musician profile')];
      return [failure.message];
    },
  });
  page.append(h('h1', {}, 'Jams that need me'),
      h('p', {class: 'lead'}, 'Upcoming jams with a slot for an instrument you play (from ',
          h('a', {href: '#/my-music'}, 'your musician profile'), '): those with a free place first, then the nearest.'),
      ...events.elements);
  await events.reload();
  return events.stop;
}

export async function myEventsView(page) {
  const events = pagedEvents({
    names: await instrumentNames(),
    fetchPage: (offset) => api('GET', `/v1/events/join?limit=${PAGE}&offset=${offset}`),
    onlyJoined: true,
    onChange: async (current, event, card) => {
      if (event.joined) {  // left it: no longer one of mine
        events.remove(event.id);
      } else {
        await refreshCard(current, event, card);
      }
    },
    empty: () => h('li', {class: 'empty'}, h('span', {}, 'You have not joined any event yet. '),
        h('a', {href: '#/events'}, 'Find one')),
  });
  page.append(h('h1', {}, 'My events'), calendarPanel(), ...events.elements);
  await events.reload();
  return events.stop;
}
