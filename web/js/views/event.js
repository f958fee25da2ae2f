// One event: what, when and where, its line-up (lineup.js), the creator's edit, cancel and
// delete, all kept current by pushes (event-update, rsvp-update, event-delete) without a
// reload; and, for its members (going or waitlisted), its live chat (chat.js). A date of a
// series links to the series' page (series.js); "Add to calendar" downloads it as .ics.
import {api, latestLoader} from '../api.js';
import {app} from '../app.js';
import {formatWhen, h, keepingChoices, reasonDialog} from '../dom.js';
import {frequencyWord} from '../recurrence.js';
import {instrumentNames} from '../vocab.js';
import {browserZone, clockIn} from '../zones.js';
import {chat} from './chat.js';
import {eventForm} from './eventform.js';
import {lineupSection, rsvpFromSlots} from './lineup.js';
import {isAdmin, report} from './moderation.js';

/** "Sun 1 Jun, 18:30 – 21:00" in the reader's zone (the end with its day when it is another). */
function when(event) {
  const start = h('time', {datetime: event.datetime}, formatWhen(event.datetime));
  if (!event.endsAt) return [start];
  const sameDay = new Date(event.datetime).toDateString() === new Date(event.endsAt).toDateString();
  return [start, ' – ', h('time', {datetime: event.endsAt}, sameDay ? clockIn(event.endsAt) : formatWhen(event.endsAt))];
}

export async function eventView(page, id) {
  let event;
  try {
    event = await api('GET', `/v1/events/${id}`);
  } catch (error) {
    page.append(h('h1', {}, 'Event'), h('p', {class: 'form-error', role: 'alert'}, error.message),
        h('a', {href: '#/events'}, 'Back to events'));
    return;
  }
  const names = await instrumentNames();
  // Its series, for the kind of rule and whether the reader is a regular (null: none, or unknown).
  const series = event.seriesID === null || event.seriesID === undefined ? null
    : await api('GET', `/v1/series/${event.seriesID}`).catch(() => null);
  const kind = series ? frequencyWord(series.recurrence) : '';  // "weekly", "monthly"
  const headerBox = h('div', {}), formBox = h('div', {}), lineupBox = h('div', {}), chatBox = h('div', {});
  const reported = h('p', {class: 'muted', role: 'status'});
  const toolStatus = h('p', {class: 'form-error', role: 'alert'});
  let chatCleanup = null, deleting = false, dialog = null;
  page.append(headerBox, formBox, lineupBox, chatBox);

  const manager = () => event.creator?.id === app.me.id || isAdmin();

  const header = () => {
    const zone = event.timezone ?? 'UTC';
    const cancelled = event.status === 'cancelled';
    const own = event.creator?.id === app.me.id;
    const section = h('section', {class: 'card'},
        cancelled && h('p', {class: 'cancelled-banner', role: 'status'}, 'Cancelled: this event will not take place.'),
        h('p', {class: 'event-when'}, when(event)),
        h('h1', {id: 'event-title', tabindex: '-1'}, event.title),
        event.seriesID !== null && event.seriesID !== undefined && h('p', {class: 'series-link'},
            h('a', {href: `#/series/${event.seriesID}`}, `Part of a ${kind ? `${kind} ` : ''}series — all dates`)),
        h('p', {class: 'muted'}, `Time zone: ${zone}`,
            zone !== browserZone() ? ` (it starts at ${clockIn(event.datetime, zone, true)} there)` : ''),
        h('p', {}, `At ${event.location}`,
            event.lat !== null && event.lat !== undefined && [' · ', h('a', {
              href: `https://www.openstreetmap.org/?mlat=${event.lat}&mlon=${event.lon}#map=17/${event.lat}/${event.lon}`,
              rel: 'noopener noreferrer'}, 'map')]),
        event.onlineURL && h('p', {}, 'Online: ', h('a', {href: event.onlineURL, rel: 'noopener noreferrer nofollow'}, event.onlineURL)),
        // A plain link (the session cookie goes with it): a copy of the event as it is now; the feed follows changes.
        h('p', {}, h('a', {class: 'button', id: 'add-to-calendar', href: `/v1/events/${event.id}/calendar.ics`,
                           download: `event-${event.id}.ics`}, 'Add to calendar')),
        event.creator && h('p', {class: 'muted'}, 'Organised by ',
            h('a', {href: `#/musicians/${event.creator.id}`}, `@${event.creator.userName}`)),
        event.description && h('p', {class: 'bio'}, event.description));
    // The organiser's tools, an admin's too (API.md: admins may edit, cancel or delete any event).
    if (manager())
      section.append(h('p', {class: 'actions organiser'},
          h('button', {type: 'button', id: 'edit-event', 'aria-expanded': formBox.childElementCount ? 'true' : 'false',
                       onclick: openEditor}, 'Edit event'),
          !cancelled && h('button', {type: 'button', class: 'danger', id: 'cancel-event', onclick: openCancel}, 'Cancel event…'),
          h('button', {type: 'button', class: 'danger', id: 'delete-event', onclick: remove}, 'Delete event')),
          toolStatus);
    if (!own)
      section.append(h('p', {class: 'actions'},
          h('button', {type: 'button', class: 'link', onclick: (click) => report('event', event.id, reported, click.currentTarget)}, 'Report event'),
          event.creator && h('button', {type: 'button', class: 'link', onclick: (click) => report('user', event.creator.id, reported, click.currentTarget)},
              'Report its creator')), reported);
    return section;
  };

  // Members (going or waitlisted) see the chat; it comes and goes as they join and leave.
  const syncChat = () => {
    const member = Boolean(event.joined);
    if (member && event.channel) {
      if (!chatCleanup) {
        chatBox.replaceChildren();
        chatCleanup = chat(chatBox, event.channel, manager());
      }
      return;
    }
    if (chatCleanup) chatCleanup();
    chatCleanup = null;
    chatBox.replaceChildren(h('p', {class: 'muted'}, member ? 'This server has chat turned off.'
        : 'Join the line-up, or its waitlist, to see and take part in its chat.'));
  };

  // Draws the event again; the control that had the focus keeps it (by id), or the line-up's
  // heading; an instrument chosen and not sent yet stays chosen; `notice`: why the reader's
  // change failed, shown in the line-up.
  const setEvent = (next, notice = '') => {
    event = next;
    const focused = page.contains(document.activeElement) && !chatBox.contains(document.activeElement)
      && !formBox.contains(document.activeElement) ? document.activeElement : null;
    headerBox.replaceChildren(header());
    keepingChoices(lineupBox, () => lineupBox.replaceChildren(
        lineupSection(event, {names, onChange: setEvent, regular: Boolean(series?.regular), notice})));
    if (focused && !focused.isConnected)
      (focused.id && document.getElementById(focused.id) || document.getElementById('lineup-heading'))?.focus({preventScroll: true});
    syncChat();
  };

  const closeEditor = () => {
    formBox.replaceChildren();
    document.getElementById('edit-event')?.setAttribute('aria-expanded', 'false');
    document.getElementById('edit-event')?.focus();
  };
  async function openEditor() {
    if (formBox.childElementCount) return formBox.querySelector('input')?.focus();
    formBox.replaceChildren(await eventForm({event, onCancel: closeEditor, onSaved: (saved) => {
      setEvent(saved);
      closeEditor();
    }}));
    document.getElementById('edit-event')?.setAttribute('aria-expanded', 'true');
    formBox.querySelector('input')?.focus();
  }

  // Cancelling asks for a reason (posted in the chat as "Cancelled: <reason>").
  function openCancel() {
    dialog = reasonDialog({
      title: 'Cancel this event?',
      text: 'Everyone in its line-up sees that it is cancelled, and nobody can join it any more. It cannot be undone.',
      label: 'Reason (optional, posted in the chat)', confirmText: 'Cancel the event', keepText: 'Keep it',
      onConfirm: async (reason) => setEvent(await api('POST', `/v1/events/${event.id}/cancel`, reason ? {reason} : {})),
      onClose: () => {
        dialog = null;
        (document.getElementById('cancel-event') ?? document.getElementById('lineup-heading'))?.focus();
      },
    });
  }

  async function remove() {
    if (!confirm('Delete this event, its line-up and its chat, for everyone?')) return;
    deleting = true;
    try {
      await api('DELETE', `/v1/events/${event.id}`);
      app.notify(`“${event.title}” is deleted.`);
      app.go('#/my-events');
    } catch (error) {
      deleting = false;
      toolStatus.textContent = error.message;
    }
  }

  // The event as the server has it, when a push cannot tell the reader's own place (those
  // without an instrument are not listed) and after a reconnect; a push that comes while it
  // is on its way makes it ask again, so an older answer never overwrites a newer push.
  const loader = latestLoader(() => api('GET', `/v1/events/${event.id}`), setEvent, (error) => {
    if (error.status === 404 && !deleting) gone();
  });
  const refetch = loader.run;
  const gone = () => {
    app.notify(`“${event.title}” was deleted by its organiser.`);
    app.go('#/my-events');
  };

  const onPush = (push) => {
    if (push.type === 'event-update' && push.event?.id === event.id) {
      loader.invalidate();
      const placed = rsvpFromSlots(push.event, app.me.id);
      const rsvp = placed ?? event.rsvp ?? null;
      setEvent({...push.event, rsvp, joined: placed ? true : event.joined});
      if (!placed) refetch();  // no instrument, or no longer in the line-up: only the server knows
    } else if (push.type === 'rsvp-update' && push.eventID === event.id) {
      loader.invalidate();
      setEvent({...event, rsvp: push.rsvp, joined: push.rsvp !== null});
    } else if (push.type === 'event-delete' && push.eventID === event.id && !deleting) {
      gone();
    }
  };
  app.pushListeners.add(onPush);
  app.reconnectListeners.add(refetch);
  setEvent(event);

  return () => {
    app.pushListeners.delete(onPush);
    app.reconnectListeners.delete(refetch);
    dialog?.close();
    if (chatCleanup) chatCleanup();
  };
}
