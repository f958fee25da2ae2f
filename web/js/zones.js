// Time zones: an event's times are entered and shown as wall-clock times in its own IANA
// zone (the browser's by default), and sent as UTC instants.

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The IANA names this browser knows, for suggestions. */
export function zoneNames() {
  try {
    const names = Intl.supportedValuesOf('timeZone');
    return names.includes('UTC') ? names : ['UTC', ...names];
  } catch {
    return ['UTC'];
  }
}

export function knownZone(name) {
  try {
    new Intl.DateTimeFormat('en', {timeZone: name});
    return true;
  } catch {
    return false;
  }
}

function wallClock(ms, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'}).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return {year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second')};
}

// How far `timeZone`'s wall clock is ahead of UTC at the instant `ms`.
function offset(ms, timeZone) {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** "2031-06-01T18:30" (a datetime-local value) as a wall time in `timeZone` → RFC 3339 UTC. */
export function zonedToIso(value, timeZone) {
  const [date, time] = value.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offset(wall, timeZone);
  instant = wall - offset(instant, timeZone);  // the offset where it lands (daylight saving)
  return new Date(instant).toISOString();
}

/** An RFC 3339 instant as a datetime-local value in `timeZone`. */
export function isoToZoned(iso, timeZone) {
  const w = wallClock(Date.parse(iso), timeZone);
  const two = (n) => String(n).padStart(2, '0');
  return `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}

/** "18:30" (or "Sun 1 Jun, 18:30" with `withDay`) as the clock in `timeZone` shows it. */
export function clockIn(iso, timeZone, withDay = false) {
  return new Date(iso).toLocaleString(undefined, {timeZone, hour: '2-digit', minute: '2-digit',
    ...(withDay ? {weekday: 'short', day: 'numeric', month: 'short'} : {})});
}
