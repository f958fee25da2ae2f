// Creating and editing an event: what and when (start and end, as wall-clock times in the
// event's time zone), where (a place, optional coordinates with "Use my location", an
// online link) and its line-up (slots: an instrument and a number of places each; capacity:
// the places for those who join without an instrument). A new event may repeat (a series:
// repeats.js); the edit of one date of a series applies to it alone or to it and the later ones.
import {api} from '../api.js';
import {clearErrors, field, h, labelRow, rowList, selectField, setFieldError} from '../dom.js';
import {locationButton} from '../geo.js';
import {loadInstruments} from '../vocab.js';
import {browserZone, isoToZoned, knownZone, zoneNames, zonedToIso} from '../zones.js';
import {repeatsControl} from './repeats.js';

const MAX_SLOTS = 20, MAX_PLACES = 50, MAX_CAPACITY = 10000, WEEK_MS = 7 * 24 * 3600 * 1000;
// The fields a server's 400 may name first ("endsAt must be after datetime").
const NAMED = ['title', 'datetime', 'endsAt', 'timezone', 'location', 'lat', 'lon', 'onlineURL', 'capacity', 'description',
               'recurrence'];

const sameSlots = (a, b) => JSON.stringify(a.map((s) => [s.instrument, s.count])) ===
                            JSON.stringify(b.map((s) => [s.instrument, s.count]));

/** "This date only" / "This and later dates", for the edit of one date of a series. */
function scopeChoice() {
  const choice = (value, text, checked) => h('div', {class: 'field check'},
      h('input', {type: 'radio', name: 'scope', id: `edit-scope-${value}`, value, checked}),
      h('label', {for: `edit-scope-${value}`}, text));
  return h('fieldset', {class: 'scope'}, h('legend', {}, 'Change'),
      h('p', {class: 'hint'}, 'This date is one of a series. For it and the later dates, only the time of day can ' +
          'change, not the date; each keeps its own date.'),
      choice('one', 'This date only', true), choice('series', 'This and later dates', false));
}

/**
 * The form, for a new event (`event` null: POST, maybe a series) or the creator's edit of
 * `event` (PATCH with what changed; for a date of a series, of it alone or with the later
 * ones). `onSaved(event)` gets the server's answer; `onCancel` (edit only) closes the form
 * unsaved.
 */
export async function eventForm({event = null, onSaved, onCancel = null}) {
  const instruments = await loadInstruments().catch(() => null);  // null: the musicians plugin is off
  const zone = event?.timezone ?? browserZone();
  const editing = Boolean(event);
  const prefix = editing ? 'edit' : 'new';

  const slotRows = rowList({
    addText: '+ Add a slot', max: MAX_SLOTS,
    make: (slot = {instrument: instruments?.[0]?.slug ?? '', count: 1}) => [
      instruments
        ? selectField({label: 'Instrument', name: 'slotInstrument', id: `${prefix}-slot-new`, value: slot.instrument,
                       options: instruments.map((i) => [i.slug, i.name])})
        : field({label: 'Instrument', name: 'slotInstrument', value: slot.instrument, maxlength: 40,
                 pattern: '[a-z0-9]+(-[a-z0-9]+)*', placeholder: 'bass'}),
      field({label: 'Places', name: 'slotCount', type: 'number', value: String(slot.count), min: 1, max: MAX_PLACES,
             step: 1, inputmode: 'numeric', required: true})],
    label: (row, n) => labelRow(row, [[`${prefix}-slot-${n}`, `Slot ${n} instrument`],
                                      [`${prefix}-slot-${n}-count`, `Places in slot ${n}`]]),
    removeName: (n) => `Remove slot ${n}`,
  });
  (event?.slots ?? []).forEach((slot) => slotRows.append(slot));

  const zoneList = h('datalist', {id: `${prefix}-zones`}, zoneNames().map((name) => h('option', {value: name})));
  const locationStatus = h('p', {class: 'hint', role: 'status'});
  const useLocation = locationButton(locationStatus, 4, (here) => {
    form.elements.namedItem('lat').value = String(here.lat);
    form.elements.namedItem('lon').value = String(here.lon);
    return `Coordinates set to ${here.lat}, ${here.lon}: be sure you are at the place.`;
  });
  const formError = h('p', {class: 'form-error', role: 'alert', tabindex: '-1'});
  const repeats = editing ? null : repeatsControl({start: () => form.elements.namedItem('datetime').value});
  const series = editing && event.seriesID !== null && event.seriesID !== undefined;
  const value = (v) => (v === null || v === undefined ? '' : String(v));

  const form = h('form', {class: 'card event-form', novalidate: true},
      h('h2', {}, editing ? 'Edit the event' : 'Create an event'),
      field({label: 'Title', name: 'title', required: true, maxlength: 255, placeholder: 'Sunday folk jam',
             value: value(event?.title)}),
      h('div', {class: 'row'},
          field({label: 'Date and time', name: 'datetime', type: 'datetime-local', required: true,
                 value: event ? isoToZoned(event.datetime, zone) : ''}),
          field({label: 'Ends (optional)', name: 'endsAt', type: 'datetime-local',
                 value: event?.endsAt ? isoToZoned(event.endsAt, zone) : ''})),
      field({label: 'Time zone', name: 'timezone', value: zone, list: zoneList.id, required: true, maxlength: 64,
             autocomplete: 'off', hint: 'The start and end above are in this zone (like Europe/Berlin). An event lasts at most 7 days.'}),
      zoneList,
      repeats?.element,
      h('fieldset', {}, h('legend', {}, 'Where'),
          field({label: 'Location', name: 'location', required: true, maxlength: 255, placeholder: 'Ballard Commons',
                 value: value(event?.location)}),
          h('div', {class: 'row'},
              field({label: 'Latitude (optional)', name: 'lat', type: 'number', min: -90, max: 90, step: 'any',
                     value: value(event?.lat)}),
              field({label: 'Longitude (optional)', name: 'lon', type: 'number', min: -180, max: 180, step: 'any',
                     value: value(event?.lon)})),
          h('p', {class: 'area-actions'}, useLocation, ' ',
              h('button', {type: 'button', class: 'link', onclick: () => {
                for (const name of ['lat', 'lon']) form.elements.namedItem(name).value = '';
                locationStatus.textContent = 'Coordinates cleared.';
              }}, 'Clear coordinates')),
          locationStatus,
          field({label: 'Online link (optional)', name: 'onlineURL', type: 'url', maxlength: 500,
                 placeholder: 'https://meet.example.org/jam', value: value(event?.onlineURL)})),
      h('fieldset', {}, h('legend', {}, 'Line-up'),
          h('p', {class: 'hint'}, `Places for each instrument you want (up to ${MAX_SLOTS} slots); when they are taken, ` +
              'others join a waitlist and move up as places free.'),
          slotRows.list, h('p', {}, slotRows.add),
          field({label: 'Capacity', name: 'capacity', type: 'number', min: 1, max: MAX_CAPACITY, step: 1,
                 inputmode: 'numeric', value: value(event?.capacity),
                 hint: 'Places for people who join without an instrument, the organiser\'s own included. Empty: no limit.'})),
      field({label: 'Description', name: 'description', type: 'textarea', maxlength: 4000, rows: 3,
             placeholder: 'Bring a fiddle', value: value(event?.description)}),
      series && scopeChoice(),
      formError,
      h('p', {class: 'actions'},
          h('button', {class: 'primary', type: 'submit'}, editing ? 'Save changes' : 'Create event'),
          onCancel && h('button', {type: 'button', onclick: onCancel}, 'Discard changes')));

  // The request body from the form, or null after marking what is wrong.
  const read = () => {
    const values = Object.fromEntries(new FormData(form));
    const fail = (name, message) => !setFieldError(form, name, message);
    let ok = true;
    if (!values.title.trim()) ok = fail('title', 'Give your event a title.');
    const timezone = values.timezone.trim();
    if (!knownZone(timezone)) ok = fail('timezone', 'Choose a time zone from the list, like Europe/Berlin.') && ok;
    let datetime = null, endsAt = null;
    if (!values.datetime) ok = fail('datetime', 'Pick a date and time.') && ok;
    else if (knownZone(timezone)) datetime = zonedToIso(values.datetime, timezone);
    if (datetime && !editing && new Date(datetime) <= new Date()) ok = fail('datetime', 'Pick a time in the future.') && ok;
    if (datetime && values.scope === 'series' && values.datetime.slice(0, 10) !== isoToZoned(event.datetime, zone).slice(0, 10))
      ok = fail('datetime', 'For this and later dates only the time of day can change: keep the date, or change this date only.') && ok;
    if (values.endsAt && datetime) {
      endsAt = zonedToIso(values.endsAt, timezone);
      const length = Date.parse(endsAt) - Date.parse(datetime);
      if (length <= 0) ok = fail('endsAt', 'The end comes after the start.') && ok;
      else if (length > WEEK_MS) ok = fail('endsAt', 'An event lasts at most 7 days.') && ok;
    }
    if (!values.location.trim()) ok = fail('location', 'Say where it happens.') && ok;
    let lat = null, lon = null;
    if (values.lat !== '' || values.lon !== '') {
      lat = Number(values.lat);
      lon = Number(values.lon);
      if (values.lat === '' || !(lat >= -90 && lat <= 90)) ok = fail('lat', 'Latitude is from -90 to 90 (give both or neither).') && ok;
      if (values.lon === '' || !(lon >= -180 && lon <= 180)) ok = fail('lon', 'Longitude is from -180 to 180 (give both or neither).') && ok;
    }
    const onlineURL = values.onlineURL.trim() || null;
    if (onlineURL && !/^https:\/\/[^\s/]+\S*$/i.test(onlineURL)) ok = fail('onlineURL', 'Use a full https:// address.') && ok;
    let capacity = null;
    if (values.capacity !== '') {
      capacity = Number(values.capacity);
      if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY)
        ok = fail('capacity', `Capacity is a whole number from 1 to ${MAX_CAPACITY}, or empty for no limit.`) && ok;
    }
    const slots = slotRows.rows().map((row) => {
      const [instrument, count] = row.querySelectorAll('select, input');
      const places = Number(count.value);
      if (!Number.isInteger(places) || places < 1 || places > MAX_PLACES) {
        count.setAttribute('aria-invalid', 'true');
        formError.textContent = `A slot has 1 to ${MAX_PLACES} places.`;
        ok = false;
      }
      return {instrument: instrument.value.trim(), count: places};
    });
    const seen = new Set();
    const twice = slots.find((s) => seen.has(s.instrument) || !seen.add(s.instrument));
    if (twice || slots.some((s) => !s.instrument)) {
      formError.textContent = twice ? `${twice.instrument} has two slots: give it one, with more places.` : 'Name each slot\'s instrument.';
      ok = false;
    }
    const recurrence = repeats ? repeats.read() : null;
    if (recurrence === undefined) ok = false;
    if (!ok) return null;
    return {title: values.title.trim(), datetime, endsAt, timezone, location: values.location.trim(),
            description: values.description, lat, lon, onlineURL, capacity, slots, ...(recurrence ? {recurrence} : {})};
  };

  // What the edit changes, against the event as it was (PATCH replaces only what it names).
  const changes = (body) => {
    const changed = {};
    for (const name of ['title', 'location', 'description', 'timezone', 'onlineURL', 'capacity'])
      if (body[name] !== (event[name] ?? null)) changed[name] = body[name];
    if (Date.parse(body.datetime) !== Date.parse(event.datetime)) changed.datetime = body.datetime;
    if ((body.endsAt && Date.parse(body.endsAt)) !== (event.endsAt && Date.parse(event.endsAt))) changed.endsAt = body.endsAt;
    if (body.lat !== (event.lat ?? null) || body.lon !== (event.lon ?? null)) Object.assign(changed, {lat: body.lat, lon: body.lon});
    if (!sameSlots(body.slots, event.slots ?? [])) changed.slots = body.slots;
    return changed;
  };

  if (repeats) {
    const start = form.elements.namedItem('datetime');
    start.addEventListener('input', repeats.refresh);
    start.addEventListener('change', repeats.refresh);
  }

  form.addEventListener('submit', async (submitted) => {
    submitted.preventDefault();
    clearErrors(form);
    const body = read();
    if (!body) return (form.querySelector('[aria-invalid="true"]') ?? formError).focus();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      if (!editing) {
        onSaved(await api('POST', '/v1/events', body));
      } else {
        const changed = changes(body);
        const scope = form.elements.namedItem('scope')?.value === 'series' ? '?scope=series' : '';
        onSaved(Object.keys(changed).length ? await api('PATCH', `/v1/events/${event.id}${scope}`, changed) : event);
      }
    } catch (error) {
      const lower = error.message.toLowerCase();
      const name = NAMED.find((n) => lower.startsWith(n.toLowerCase()));
      if (!(name && setFieldError(form, name, error.message))) {
        formError.textContent = error.message;
        formError.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
