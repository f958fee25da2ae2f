// An event's line-up: its slots (an instrument and its places: who is going, who waits, by
// position), the places for those without an instrument (capacity), the reader's own place
// ("You're #2 on the bass waitlist"), joining, moving and leaving; the creator and admins
// remove people. Also the words for a line-up elsewhere (cards, notices).
import {api, isStale} from '../api.js';
import {app} from '../app.js';
import {h, remembersChoice, selectField, whileBusy} from '../dom.js';
import {isAdmin} from './moderation.js';

/** "bass" for "Bass", inside a sentence ("DJ" stays as it is). */
export const inSentence = (name) => (/^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name);

const nameOf = (names, slug) => names.get(slug) ?? slug;

/** The reader's place in words: "You're going on bass", "You're #3 on the waitlist"… */
export function rsvpText(rsvp, names) {
  if (!rsvp) return 'You are not in the line-up.';
  const what = rsvp.instrument ? inSentence(nameOf(names, rsvp.instrument)) : null;
  if (rsvp.state === 'going') return what ? `You're going on ${what}.` : 'You\'re going.';
  return what ? `You're #${rsvp.position} on the ${what} waitlist.` : `You're #${rsvp.position} on the waitlist.`;
}

/**
 * What a pushed rsvp-update tells the reader: a place opened up, a shrink, a slot the
 * organiser dropped (its `reason`, "slot-removed"), a removal.
 */
export function rsvpNotice(rsvp, names, reason) {
  if (!rsvp) return 'The organiser took you off an event\'s line-up.';
  if (reason === 'slot-removed') {
    return rsvp.state === 'going' ? 'The organiser dropped your slot: you keep a place, without an instrument.'
                                  : `The organiser dropped your slot: you're #${rsvp.position} on the waitlist.`;
  }
  const what = rsvp.instrument ? `${inSentence(nameOf(names, rsvp.instrument))} ` : '';
  if (rsvp.state === 'going') return `You're in: a ${what}place opened up.`;
  return `The line-up got smaller: you're now #${rsvp.position} on the ${what}waitlist.`;
}

/** The slugs of the slots with a free place ("Needs: bass, drums"). */
export const openSlots = (event) => (event.slots ?? []).filter((s) => s.going.length < s.count).map((s) => s.instrument);

/** The user's rsvp as the slots show it; undefined when they are in none (the general line-up lists nobody). */
export function rsvpFromSlots(event, userId) {
  for (const slot of event.slots ?? []) {
    if (slot.going.some((p) => p.id === userId)) return {state: 'going', instrument: slot.instrument, position: null};
    const at = slot.waitlist.findIndex((p) => p.id === userId);
    if (at >= 0) return {state: 'waitlisted', instrument: slot.instrument, position: at + 1};
  }
  return undefined;
}

export const hasStarted = (event) => Date.parse(event.datetime) <= Date.now();

/** Why nobody can join `event` now, or null. */
export function joinClosed(event) {
  if (event.status === 'cancelled') return 'This event is cancelled: nobody can join it.';
  if (hasStarted(event)) return 'This event has started: joining is closed.';
  return null;
}

/** Those going and waiting without an instrument (counted, not listed). */
function general(event) {
  const listed = (key) => (event.slots ?? []).reduce((sum, slot) => sum + slot[key].length, 0);
  return {going: (event.goingCount ?? event.memberCount ?? 0) - listed('going'), waiting: (event.waitlistCount ?? 0) - listed('waitlist')};
}

/**
 * The line-up of `event` as a section; `names` maps instrument slugs to names; after each
 * change the reader makes, `onChange(event, notice)` gets the event as the server has it now,
 * with why a change failed when the screen was out of date (`notice`, shown by the section
 * drawn next). `regular`: the reader is a regular of the event's series (leaving skips this
 * date only).
 */
export function lineupSection(event, {names, onChange, regular = false, notice = ''}) {
  const me = app.me.id;
  const own = event.creator?.id === me;
  const manager = own || isAdmin();
  const status = h('p', {class: 'form-error', role: 'alert'});
  if (notice) queueMicrotask(() => { status.textContent = notice; });  // once on the page: announced
  const fresh = () => api('GET', `/v1/events/${event.id}`);
  const act = async (button, work) => {
    status.textContent = '';
    try {
      const changed = await whileBusy(button, work);
      if (changed) onChange(changed);
    } catch (error) {
      const now = isStale(error) ? await fresh().catch(() => null) : null;
      if (now) onChange(now, error.message);
      else status.textContent = error.message;
    }
  };

  const person = (profile, position = null) => h('li', {},
      position && h('span', {class: 'position'}, `#${position} `),
      h('a', {href: `#/musicians/${profile.id}`}, `@${profile.userName}`),
      profile.id === me && ' (you)',
      manager && profile.id !== event.creator?.id && h('button', {
        type: 'button', class: 'link', 'aria-label': `Remove @${profile.userName} from the line-up`,
        onclick: (click) => {
          if (!confirm(`Remove @${profile.userName} from this event?`)) return;
          act(click.currentTarget, async () => {
            await api('DELETE', `/v1/events/${event.id}/members/${profile.id}`);
            return fresh();
          });
        }}, 'Remove'));

  const slotItem = (slot) => {
    const name = nameOf(names, slot.instrument);
    return h('li', {class: `slot${slot.going.length < slot.count ? ' open' : ''}`},
        h('h3', {}, `${name} `, h('span', {class: 'fill'}, `${slot.going.length}/${slot.count}`)),
        slot.going.length ? h('ul', {class: 'going', 'aria-label': `Going on ${inSentence(name)}`}, slot.going.map((p) => person(p)))
                          : h('p', {class: 'muted'}, 'Nobody yet.'),
        slot.waitlist.length > 0 && h('ol', {class: 'waitlist', 'aria-label': `${name} waitlist`},
            slot.waitlist.map((p, i) => person(p, i + 1))));
  };

  const rest = general(event);
  const generalItem = h('li', {class: 'slot general'},
      h('h3', {}, 'No instrument ',
          h('span', {class: 'fill'}, event.capacity === null || event.capacity === undefined
            ? `${rest.going} going` : `${rest.going}/${event.capacity}`)),
      h('p', {class: 'muted'}, event.capacity ? `${event.capacity} ${event.capacity === 1 ? 'place' : 'places'}.` : 'No limit.',
          rest.waiting > 0 ? ` ${rest.waiting} on the waitlist.` : ''));

  const mine = event.rsvp ?? (event.joined ? {state: 'going', instrument: null, position: null} : null);
  const closed = joinClosed(event);
  const controls = h('div', {class: 'join'},
      h('p', {class: 'my-place', role: 'status'}, rsvpText(mine, names), own ? ' It is your event.' : ''));
  if (closed) {
    controls.append(h('p', {class: 'muted'}, closed));
  } else {
    const free = (n, of) => (n < of ? `${of - n} of ${of} free` : 'full: join the waitlist');
    // A member's own place is named so, and Move waits for another choice.
    const current = mine ? (mine.instrument ?? '') : null;
    const yours = mine?.state === 'waitlisted' ? 'you wait here' : 'your place';
    const option = (value, text, room) => [value, `${text} (${value === current ? yours : room})`];
    const options = [
      ...(event.slots ?? []).map((s) => option(s.instrument, nameOf(names, s.instrument), free(s.going.length, s.count))),
      option('', 'No instrument', event.capacity ? free(rest.going, event.capacity) : 'no limit'),
    ];
    const firstOpen = (event.slots ?? []).find((s) => s.going.length < s.count)?.instrument;
    const choice = selectField({label: mine ? 'Move to' : 'Your instrument', name: 'joinAs', id: 'join-as', options,
      value: mine ? current : (firstOpen ?? event.slots?.[0]?.instrument ?? '')});
    // Move is inert (aria-disabled, still focusable) until another place is chosen.
    const button = h('button', {class: 'primary', type: 'submit', id: 'join-button', 'aria-disabled': mine ? 'true' : null},
        mine ? 'Move' : 'Join');
    const select = remembersChoice(choice.querySelector('select'));
    if (mine) select.addEventListener('change', () => button.setAttribute('aria-disabled', String(select.value === current)));
    const form = h('form', {class: 'join-form'}, choice, button);
    // A place that is full puts the one moving there on its waitlist: someone going gives up
    // their place for it, so they are asked first.
    const full = (value) => {
      const slot = (event.slots ?? []).find((s) => s.instrument === value);
      return slot ? slot.going.length >= slot.count : Boolean(event.capacity) && rest.going >= event.capacity;
    };
    form.addEventListener('submit', (submitted) => {
      submitted.preventDefault();
      if (mine && select.value === current) return;
      if (mine?.state === 'going' && full(select.value)) {
        const from = mine.instrument ? `your ${inSentence(nameOf(names, mine.instrument))} place` : 'your place';
        const to = select.value ? inSentence(nameOf(names, select.value)) : 'the general line-up';
        if (!confirm(`${to[0].toUpperCase()}${to.slice(1)} is full: moving puts you on its waitlist and gives up ${from}. Move?`)) return;
      }
      act(button, () => api('POST', '/v1/events/join', {id: event.id, instrument: select.value || null}));
    });
    controls.append(form);
  }
  if (regular && !own)
    controls.append(h('p', {class: 'hint', id: 'regular-hint'}, mine
      ? 'You are a regular of this series: leaving skips only this date, and you stay in the others.'
      : 'You are a regular of this series, skipping this date.'));
  if (mine && !own) {
    const leave = h('button', {type: 'button', id: 'leave-button', 'aria-describedby': regular ? 'regular-hint' : null},
        mine.state === 'going' ? 'Leave' : 'Leave the waitlist');
    leave.addEventListener('click', () => act(leave, async () => {
      await api('DELETE', `/v1/events/${event.id}/members/me`);
      return fresh();
    }));
    controls.append(h('p', {}, leave));
  }

  const waiting = event.waitlistCount ? ` · ${event.waitlistCount} on waitlists` : '';
  return h('section', {class: 'card lineup', 'aria-labelledby': 'lineup-heading'},
      h('h2', {id: 'lineup-heading', tabindex: '-1'}, 'Line-up'),
      h('p', {class: 'muted'}, `${event.goingCount ?? event.memberCount} going${waiting}`),
      h('ul', {class: 'slots'}, (event.slots ?? []).map(slotItem), generalItem),
      controls, status);
}
