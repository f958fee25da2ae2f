#!/usr/bin/python3
"""Checks an iCalendar feed (RFC 5545) with Debian's python3-icalendar and prints what it says.

Usage: /usr/bin/python3 ics_check.py [FILE]   (stdin without FILE)

First the raw bytes: valid UTF-8, every line ends in CRLF, every physical line is at most
75 octets and valid UTF-8 on its own, continuation lines start with a space or tab,
BEGIN/END nest and match, one VCALENDAR holding at least one component (RFC 5545's
icalbody: calprops and 1*component). Then icalendar.Calendar.from_ical parses it: no
parse errors, VERSION 2.0 and a PRODID, and each VEVENT has UID, DTSTAMP, DTSTART, DTEND
(UTC date-times, DTEND after DTSTART), SUMMARY, SEQUENCE and STATUS, at most once each.
Prints one JSON object (the same bytes as ics_check.mjs prints for the same feed):
  {"name": X-WR-CALNAME or null, "events": [{"uid", "summary", "location", "description",
   "url", "status", "sequence", "start", "end", "stamp", "geo": [lat, lon] or null}]}
and exits 0; on any failure prints the reason to stderr and exits 1.
"""
import datetime
import json
import re
import sys

import icalendar
import icalendar.parser
import icalendar.prop

ONCE = ('UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY', 'SEQUENCE', 'STATUS', 'LOCATION', 'DESCRIPTION',
        'URL', 'GEO')
REQUIRED = ('UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'SUMMARY', 'SEQUENCE', 'STATUS')


class Bad(Exception):
    pass


def unescape_text(text):
    """TEXT unescaped in one pass (RFC 5545 3.3.11)."""
    return re.sub(r'\\([\\;,nN])', lambda m: '\n' if m.group(1) in 'nN' else m.group(1), text)


# icalendar 4.0.3 unescapes TEXT twice: Contentline.parts() turns "\\", "\;", "\," (and the
# literal text "%5C", "%3B", "%2C", "%3A") into their characters, then vText.from_ical
# unescapes the result again with chained str.replace, so an escaped backslash followed by
# "n" comes out as a newline. The value is taken raw from the content line instead and
# unescaped once; names, parameters and every other type are still icalendar's.
icalendar.parser.escape_string = lambda text: text
icalendar.parser.unescape_string = lambda text: text
icalendar.prop.unescape_char = unescape_text


def check_bytes(data):
    try:
        data.decode('utf-8', 'strict')
    except UnicodeDecodeError as e:
        raise Bad('not valid UTF-8: %s' % e)
    if not data.endswith(b'\r\n'):
        raise Bad('the last line does not end in CRLF')
    lines = data[:-2].split(b'\r\n')
    stack, calendars, components = [], 0, 0
    logical = None

    def close_logical(text):
        nonlocal calendars, components
        name = re.split('[;:]', text, maxsplit=1)[0].upper()
        value = text.split(':', 1)[1] if ':' in text else ''
        if name == 'BEGIN':
            if not stack:
                calendars += 1
            elif len(stack) == 1:
                components += 1
            stack.append(value.upper())
        elif name == 'END':
            if not stack or stack[-1] != value.upper():
                raise Bad('END:%s does not close %s' % (value, stack[-1] if stack else 'anything'))
            stack.pop()
        elif not stack:
            raise Bad('a property outside VCALENDAR: %s' % text[:80])

    for number, line in enumerate(lines, 1):
        if b'\r' in line or b'\n' in line:
            raise Bad('line %d: a bare CR or LF (every line must end in CRLF)' % number)
        if len(line) > 75:
            raise Bad('line %d: %d octets (at most 75): %r' % (number, len(line), line[:80]))
        try:
            text = line.decode('utf-8', 'strict')
        except UnicodeDecodeError:
            raise Bad('line %d: not valid UTF-8 on its own (a character split by folding)' % number)
        if line[:1] in (b' ', b'\t'):
            if logical is None:
                raise Bad('line %d: a continuation line first' % number)
            logical += text[1:]
            continue
        if not line:
            raise Bad('line %d: empty' % number)
        if logical is not None:
            close_logical(logical)
        logical = text
    if logical is not None:
        close_logical(logical)
    if stack:
        raise Bad('BEGIN:%s never ends' % stack[-1])
    if calendars != 1 or not lines[0] == b'BEGIN:VCALENDAR':
        raise Bad('not exactly one VCALENDAR (%d)' % calendars)
    if components == 0:
        raise Bad('a VCALENDAR without a component (RFC 5545 wants at least one)')


def utc(component, name):
    prop = component[name]
    raw = prop.to_ical()
    value = component.decoded(name)
    if not isinstance(value, datetime.datetime) or not raw.endswith(b'Z'):
        raise Bad('%s is not a UTC date-time: %r' % (name, raw))
    return value


def iso(value):
    return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def number(value):
    # At most 6 decimals, no exponent, no trailing zeros: the same text as ics_check.mjs.
    text = ('%.6f' % value).rstrip('0').rstrip('.')
    return '0' if text == '-0' else text


def text_or_null(component, name):
    return json.dumps(str(component[name]), ensure_ascii=False) if name in component else 'null'


def render_event(event):
    geo = 'null'
    if 'GEO' in event:
        lat, lon = event['GEO'].latitude, event['GEO'].longitude
        geo = '[%s,%s]' % (number(lat), number(lon))
    fields = [
        ('uid', text_or_null(event, 'UID')),
        ('summary', text_or_null(event, 'SUMMARY')),
        ('location', text_or_null(event, 'LOCATION')),
        ('description', text_or_null(event, 'DESCRIPTION')),
        ('url', text_or_null(event, 'URL')),
        ('status', text_or_null(event, 'STATUS')),
        ('sequence', str(int(event.decoded('SEQUENCE')))),
        ('start', json.dumps(iso(utc(event, 'DTSTART')))),
        ('end', json.dumps(iso(utc(event, 'DTEND')))),
        ('stamp', json.dumps(iso(utc(event, 'DTSTAMP')))),
        ('geo', geo),
    ]
    return '{' + ','.join('"%s":%s' % field for field in fields) + '}'


def check(data):
    check_bytes(data)
    try:
        calendar = icalendar.Calendar.from_ical(data.decode('utf-8'))
    except Exception as e:
        raise Bad('icalendar cannot parse it: %s' % e)
    for component in calendar.walk():
        if component.errors:
            raise Bad('%s: %s' % (component.name, component.errors))
    if str(calendar.get('VERSION', '')) != '2.0':
        raise Bad('VERSION is not 2.0')
    if not str(calendar.get('PRODID', '')):
        raise Bad('no PRODID')
    events = []
    for event in calendar.walk('VEVENT'):
        uid = str(event.get('UID', '?'))
        for name in REQUIRED:
            if name not in event:
                raise Bad('a VEVENT (UID %s) without %s' % (uid, name))
        for name in ONCE:
            if isinstance(event.get(name), list):
                raise Bad('a VEVENT (UID %s) with %s more than once' % (uid, name))
        if utc(event, 'DTEND') <= utc(event, 'DTSTART'):
            raise Bad('a VEVENT (UID %s) whose DTEND is not after its DTSTART' % uid)
        if str(event['STATUS']) not in ('TENTATIVE', 'CONFIRMED', 'CANCELLED'):
            raise Bad('a VEVENT (UID %s) with STATUS %s' % (uid, event['STATUS']))
        events.append(render_event(event))
    name = text_or_null(calendar, 'X-WR-CALNAME')
    return '{"name":%s,"events":[%s]}' % (name, ','.join(events))


def main():
    try:
        if len(sys.argv) > 1:
            with open(sys.argv[1], 'rb') as f:
                data = f.read()
        else:
            data = sys.stdin.buffer.read()
        out = check(data)
    except Exception as e:
        sys.stderr.write('ics_check.py: %s\n' % e)
        return 1
    sys.stdout.buffer.write(out.encode('utf-8') + b'\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
