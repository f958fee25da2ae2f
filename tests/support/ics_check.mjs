// Checks an iCalendar feed (RFC 5545) with Mozilla's ical.js (the parser of Thunderbird and
// Nextcloud Calendar) and prints what it says: the second, independent reader of
// ics_check.py, with the same checks and the same output, byte for byte.
//
// Usage: node ics_check.mjs [FILE]   (stdin without FILE)
//
// Raw bytes first: valid UTF-8, every line ends in CRLF, every physical line is at most 75
// octets and valid UTF-8 on its own, continuation lines start with a space or tab, BEGIN/END
// nest and match, one VCALENDAR holding at least one component (RFC 5545's icalbody:
// calprops and 1*component). Then ICAL.parse: VERSION 2.0 and a PRODID, and each VEVENT
// has UID, DTSTAMP, DTSTART, DTEND (UTC date-times, DTEND after DTSTART), SUMMARY, SEQUENCE
// and STATUS, at most once each. Prints one JSON object
//   {"name": X-WR-CALNAME or null, "events": [{"uid", "summary", "location", "description",
//    "url", "status", "sequence", "start", "end", "stamp", "geo": [lat, lon] or null}]}
// and exits 0; on any failure prints the reason to stderr and exits 1.
// ical.js is installed with the browser tests' packages (tests/browser/package.json).
import { readFileSync } from 'node:fs';

const { default: ICAL } = await import(new URL('../browser/node_modules/ical.js/dist/ical.js', import.meta.url));

// X-WR-CALNAME is TEXT (the de facto extension); ical.js keeps unknown X- properties raw.
ICAL.design.icalendar.property['x-wr-calname'] = { defaultType: 'text' };

const ONCE = ['uid', 'dtstamp', 'dtstart', 'dtend', 'summary', 'sequence', 'status', 'location', 'description',
  'url', 'geo'];
const REQUIRED = ['uid', 'dtstamp', 'dtstart', 'dtend', 'summary', 'sequence', 'status'];

class Bad extends Error {}

function checkBytes(data) {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    strict.decode(data);
  } catch (e) {
    throw new Bad(`not valid UTF-8: ${e.message}`);
  }
  const crlf = Buffer.from('\r\n');
  if (data.length < 2 || !data.subarray(data.length - 2).equals(crlf)) throw new Bad('the last line does not end in CRLF');
  const lines = [];
  for (let at = 0; at < data.length;) {
    const end = data.indexOf(crlf, at);
    lines.push(data.subarray(at, end));
    at = end + 2;
  }
  const stack = [];
  let calendars = 0, components = 0;
  const closeLogical = (text) => {
    const name = text.split(/[;:]/, 1)[0].toUpperCase();
    const colon = text.indexOf(':');
    const value = colon < 0 ? '' : text.slice(colon + 1).toUpperCase();
    if (name === 'BEGIN') {
      if (stack.length === 0) ++calendars;
      else if (stack.length === 1) ++components;
      stack.push(value);
    } else if (name === 'END') {
      if (stack.length === 0 || stack[stack.length - 1] !== value)
        throw new Bad(`END:${value} does not close ${stack.length ? stack[stack.length - 1] : 'anything'}`);
      stack.pop();
    } else if (stack.length === 0) {
      throw new Bad(`a property outside VCALENDAR: ${text.slice(0, 80)}`);
    }
  };
  let logical = null;
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.includes(0x0d) || line.includes(0x0a))
      throw new Bad(`line ${number}: a bare CR or LF (every line must end in CRLF)`);
    if (line.length > 75) throw new Bad(`line ${number}: ${line.length} octets (at most 75): ${line.toString().slice(0, 80)}`);
    let text;
    try {
      text = strict.decode(line);
    } catch {
      throw new Bad(`line ${number}: not valid UTF-8 on its own (a character split by folding)`);
    }
    if (line[0] === 0x20 || line[0] === 0x09) {
      if (logical === null) throw new Bad(`line ${number}: a continuation line first`);
      logical += text.slice(1);
      return;
    }
    if (line.length === 0) throw new Bad(`line ${number}: empty`);
    if (logical !== null) closeLogical(logical);
    logical = text;
  });
  if (logical !== null) closeLogical(logical);
  if (stack.length) throw new Bad(`BEGIN:${stack[stack.length - 1]} never ends`);
  if (calendars !== 1 || lines[0].toString() !== 'BEGIN:VCALENDAR') throw new Bad(`not exactly one VCALENDAR (${calendars})`);
  if (components === 0) throw new Bad('a VCALENDAR without a component (RFC 5545 wants at least one)');
}

function utc(event, name) {
  const property = event.getFirstProperty(name);
  const time = property.getFirstValue();
  if (property.type !== 'date-time' || !(time instanceof ICAL.Time) || time.zone !== ICAL.Timezone.utcTimezone)
    throw new Bad(`${name.toUpperCase()} is not a UTC date-time: ${property.toICALString()}`);
  return time;
}

const iso = (time) => time.toJSDate().toISOString().replace(/\.000Z$/, 'Z');

// At most 6 decimals, no exponent, no trailing zeros: the same text as ics_check.py.
function number(value) {
  const text = value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

function textOrNull(component, name) {
  const property = component.getFirstProperty(name);
  return property === null ? 'null' : JSON.stringify(String(property.getFirstValue()));
}

function renderEvent(event) {
  let geo = 'null';
  const position = event.getFirstPropertyValue('geo');
  if (position !== null) {
    if (!Array.isArray(position) || position.length !== 2 || !position.every(Number.isFinite))
      throw new Bad(`GEO is not two numbers: ${JSON.stringify(position)}`);
    geo = `[${number(position[0])},${number(position[1])}]`;
  }
  const sequence = event.getFirstPropertyValue('sequence');
  if (!Number.isInteger(sequence)) throw new Bad(`SEQUENCE is not an integer: ${sequence}`);
  const fields = [
    ['uid', textOrNull(event, 'uid')],
    ['summary', textOrNull(event, 'summary')],
    ['location', textOrNull(event, 'location')],
    ['description', textOrNull(event, 'description')],
    ['url', textOrNull(event, 'url')],
    ['status', textOrNull(event, 'status')],
    ['sequence', String(sequence)],
    ['start', JSON.stringify(iso(utc(event, 'dtstart')))],
    ['end', JSON.stringify(iso(utc(event, 'dtend')))],
    ['stamp', JSON.stringify(iso(utc(event, 'dtstamp')))],
    ['geo', geo],
  ];
  return `{${fields.map(([key, value]) => `"${key}":${value}`).join(',')}}`;
}

function check(data) {
  checkBytes(data);
  let calendar;
  try {
    calendar = new ICAL.Component(ICAL.parse(data.toString('utf8')));
  } catch (e) {
    throw new Bad(`ical.js cannot parse it: ${e.message}`);
  }
  if (calendar.name !== 'vcalendar') throw new Bad(`the top component is ${calendar.name}`);
  if (calendar.getFirstPropertyValue('version') !== '2.0') throw new Bad('VERSION is not 2.0');
  if (!calendar.getFirstPropertyValue('prodid')) throw new Bad('no PRODID');
  const events = calendar.getAllSubcomponents('vevent').map((event) => {
    const uid = event.getFirstPropertyValue('uid') ?? '?';
    for (const name of REQUIRED)
      if (!event.hasProperty(name)) throw new Bad(`a VEVENT (UID ${uid}) without ${name.toUpperCase()}`);
    for (const name of ONCE)
      if (event.getAllProperties(name).length > 1)
        throw new Bad(`a VEVENT (UID ${uid}) with ${name.toUpperCase()} more than once`);
    if (utc(event, 'dtend').compare(utc(event, 'dtstart')) <= 0)
      throw new Bad(`a VEVENT (UID ${uid}) whose DTEND is not after its DTSTART`);
    const status = event.getFirstPropertyValue('status');
    if (!['TENTATIVE', 'CONFIRMED', 'CANCELLED'].includes(status))
      throw new Bad(`a VEVENT (UID ${uid}) with STATUS ${status}`);
    return renderEvent(event);
  });
  return `{"name":${textOrNull(calendar, 'x-wr-calname')},"events":[${events.join(',')}]}`;
}

try {
  const data = readFileSync(process.argv[2] ?? 0);
  process.stdout.write(`${check(data)}\n`);
} catch (e) {
  process.stderr.write(`ics_check.mjs: ${e.message}\n`);
  process.exitCode = 1;
}
