// A series (#/series/<id>): its rule in words, its time zone, its next dates (each an
// event page; cancelled ones marked), its regulars; becoming a regular (with an instrument
// of its line-up, or none) and stopping; the creator (or an admin) cancels it. Kept current
// by the pushes about its dates.
import {api, isStale, latestLoader} from '../api.js';
import {app} from '../app.js';
import {formatWhen, h, keepingChoices, reasonDialog, remembersChoice, selectField, whileBusy} from '../dom.js';
import {describeRule} from '../recurrence.js';
import {instrumentNames} from '../vocab.js';
import {browserZone, clockIn} from '../zones.js';
import {inSentence} from './lineup.js';
import {isAdmin} from './moderation.js';

/** "You're a regular, on bass." */
export function regularText(regular, names) {
  if (!regular) return 'You are not a regular of this series.';
  return regular.instrument ? `You're a regular, on ${inSentence(names.get(regular.instrument) ?? regular.instrument)}.`
                            : 'You\'re a regular.';
}

/** Where the reader stands on one date ("✓ You're going", "You're #2 on the waitlist"), or null. */
function placeOn(event) {
  if (event.rsvp?.state === 'waitlisted') return `You're #${event.rsvp.position} on the waitlist`;
  if (event.rsvp || event.joined) return '✓ You\'re going';
  return null;
}

/**
 * The series' clock time in its zone ("07:00 PM"): the time most of its next dates are at,
 * so that one date moved on its own does not speak for the rest; the soonest's on a tie.
 * "" when it has no dates.
 */
function usualClock(dates, zone) {
  const counts = new Map();
  for (const event of dates) {
    const clock = clockIn(event.datetime, zone);
    counts.set(clock, (counts.get(clock) ?? 0) + 1);
  }
  let usual = '', most = 0;
  for (const [clock, count] of counts) if (count > most) [usual, most] = [clock, count];  // Map keeps the soonest first
  return usual;
}

export async function seriesView(page, id) {
  let series;
  try {
    series = await api('GET', `/v1/series/${id}`);
  } catch (error) {
    page.append(h('h1', {}, 'Series'), h('p', {class: 'form-error', role: 'alert'}, error.message),
        h('a', {href: '#/events'}, 'Back to events'));
    return;
  }
  const names = await instrumentNames();
  const box = h('div', {});
  const status = h('p', {class: 'form-error', role: 'alert'});
  let dialog = null;
  page.append(box);

  const act = async (button, work) => {
    status.textContent = '';
    try {
      const next = await whileBusy(button, async () => {
        await work();
        return api('GET', `/v1/series/${series.id}`);
      });
      if (next) draw(next);
    } catch (error) {
      // Out of date (a slot gone, the series cancelled): drawn again as it is now, beside
      // the error (the status goes with each drawing).
      const now = isStale(error) ? await api('GET', `/v1/series/${series.id}`).catch(() => null) : null;
      if (now) draw(now);
      status.textContent = error.message;
    }
  };

  // The instruments of its line-up: the slots of its next date that is not cancelled.
  const slotsOfNext = () => (series.next.find((e) => e.status !== 'cancelled') ?? series.next[0])?.slots ?? [];

  const membership = () => {
    const own = series.creator?.id === app.me.id;
    const cancelled = series.status === 'cancelled';
    const part = h('section', {class: 'card', 'aria-labelledby': 'regular-heading'},
        h('h2', {id: 'regular-heading', tabindex: '-1'}, 'Regulars'),
        h('p', {class: 'hint'}, 'Regulars are in the line-up of every date, as each is made; ' +
            'leaving one date skips only that one.'),
        h('ul', {class: 'regulars', 'aria-label': 'Regulars'}, series.regulars.map((p) => h('li', {},
            h('a', {href: `#/musicians/${p.id}`}, `@${p.userName}`),
            p.id === series.creator?.id && ' (organiser)', p.id === app.me.id && ' (you)'))),
        h('p', {class: 'my-place', role: 'status'}, regularText(series.regular, names),
            own ? ' You organise it: you are in every date.' : ''));
    if (cancelled) {
      part.append(status);  // why a join failed, when it was cancelled meanwhile
      return part;
    }
    if (!own) {
      const options = [...slotsOfNext().map((s) => [s.instrument, names.get(s.instrument) ?? s.instrument]), ['', 'No instrument']];
      const current = series.regular ? (series.regular.instrument ?? '') : (options[0][0]);
      const choice = selectField({label: series.regular ? 'Play on' : 'Your instrument', name: 'regularAs', id: 'regular-as',
                                  options, value: current});
      remembersChoice(choice.querySelector('select'));
      const button = h('button', {class: 'primary', type: 'submit', id: 'regular-button'},
          series.regular ? 'Change instrument' : 'Become a regular');
      const form = h('form', {class: 'join-form'}, choice, button);
      form.addEventListener('submit', (submitted) => {
        submitted.preventDefault();
        const instrument = form.elements.namedItem('regularAs').value || null;
        act(button, () => api('POST', `/v1/series/${series.id}/join`, {instrument}));
      });
      part.append(form);
    }
    if (series.regular && !own) {
      const stop = h('button', {type: 'button', id: 'stop-regular'}, 'Stop being a regular');
      stop.addEventListener('click', () => {
        if (confirm('Stop being a regular? You leave every upcoming date of this series.'))
          act(stop, () => api('DELETE', `/v1/series/${series.id}/members/me`));
      });
      part.append(h('p', {}, stop));
    }
    part.append(status);
    return part;
  };

  const dates = () => h('section', {class: 'card', 'aria-labelledby': 'dates-heading'},
      h('h2', {id: 'dates-heading'}, 'Next dates'),
      series.next.length
        ? h('ul', {class: 'dates', 'aria-label': 'Next dates'}, series.next.map((event) => {
          const cancelled = event.status === 'cancelled';
          const place = placeOn(event);
          return h('li', {class: cancelled ? 'is-cancelled' : ''},
              h('a', {href: `#/events/${event.id}`}, h('time', {datetime: event.datetime}, formatWhen(event.datetime))),
              event.title !== series.title && h('span', {}, event.title),
              cancelled ? h('span', {class: 'badge cancelled'}, 'Cancelled')
                        : h('span', {class: 'muted'}, `${event.goingCount ?? event.memberCount} going`),
              place && !cancelled && h('span', {class: 'badge'}, place));
        }))
        : h('p', {class: 'muted'}, 'No more dates.'));

  const head = () => {
    const zone = series.timezone ?? 'UTC';
    const cancelled = series.status === 'cancelled';
    const manager = series.creator?.id === app.me.id || isAdmin();
    const clock = usualClock(series.next, zone);
    // The rule's days and time are the series' zone's; the dates listed are the reader's,
    // which may fall on another day (23:30 in Berlin is 17:30 in New York).
    return h('section', {class: 'card'},
        cancelled && h('p', {class: 'cancelled-banner', role: 'status'}, 'Cancelled: this series has no more dates.'),
        h('p', {class: 'event-when'}, describeRule(series.recurrence, clock)),
        h('h1', {id: 'series-title', tabindex: '-1'}, series.title),
        h('p', {class: 'muted'}, `Time zone: ${zone}`,
            zone !== browserZone()
              ? ` (the days ${clock ? 'and time ' : ''}above are there; the dates below are in yours, ${browserZone()})` : ''),
        series.creator && h('p', {class: 'muted'}, 'Organised by ',
            h('a', {href: `#/musicians/${series.creator.id}`}, `@${series.creator.userName}`)),
        manager && !cancelled && h('p', {class: 'actions organiser'},
            h('button', {type: 'button', class: 'danger', id: 'cancel-series', onclick: openCancel}, 'Cancel the series…')));
  };

  // Draws the series again; the control that had the focus keeps it (by id), or the regulars' heading.
  const draw = (next) => {
    series = next;
    const focused = box.contains(document.activeElement) ? document.activeElement : null;
    keepingChoices(box, () => box.replaceChildren(head(), membership(), dates()));
    if (focused && !focused.isConnected)
      (focused.id && document.getElementById(focused.id) || document.getElementById('regular-heading'))?.focus({preventScroll: true});
  };

  function openCancel() {
    dialog = reasonDialog({
      title: 'Cancel this series?',
      text: 'Every upcoming date is cancelled, for everyone in its line-up, and no more are made. It cannot be undone.',
      label: 'Reason (optional, posted in the chat)', confirmText: 'Cancel the series', keepText: 'Keep it',
      onConfirm: async (reason) => draw(await api('POST', `/v1/series/${series.id}/cancel`, reason ? {reason} : {})),
      onClose: () => {
        dialog = null;
        (document.getElementById('cancel-series') ?? document.getElementById('series-title'))?.focus();
      },
    });
  }

  // Its dates change (edits, line-ups, cancelling): the series as the server has it then.
  const refetch = latestLoader(() => api('GET', `/v1/series/${series.id}`), draw, (error) => {
    status.textContent = error.message;
  }).run;
  const onPush = (push) => {
    if ((push.type === 'event-update' && push.event?.seriesID === series.id) ||
        (push.type === 'event-delete' && series.next.some((e) => e.id === push.eventID)))
      refetch();
  };
  app.pushListeners.add(onPush);
  app.reconnectListeners.add(refetch);
  draw(series);

  return () => {
    app.pushListeners.delete(onPush);
    app.reconnectListeners.delete(refetch);
    dialog?.close();
  };
}
