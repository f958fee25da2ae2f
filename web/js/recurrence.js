// Repeating events (API.md, "Series"): the RRULE subset a series is made from, built from
// the create form's choices and put in plain words ("Every 2 weeks on Monday and Thursday,
// 10 times"). Pure: no DOM, no requests.

/** The rule's day codes in the order the server writes them (the week starts on Monday). */
export const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const MAX_INTERVAL = 12, MAX_COUNT = 200;

const ORDINAL_WORDS = new Map([[1, '1st'], [2, '2nd'], [3, '3rd'], [4, '4th'], [-1, 'last']]);

/** "2031-03-03" (or a datetime-local value) as {year, month, day}; null when it is not one. */
export function civilDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value ?? '');
  return match ? {year: Number(match[1]), month: Number(match[2]), day: Number(match[3])} : null;
}

/** The day code of a civil date ("MO" for 2031-03-03). */
export function dayCode({year, month, day}) {
  return DAY_CODES[(new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7];
}

export const dayName = (code) => DAY_NAMES[DAY_CODES.indexOf(code)];

/**
 * The monthly choices a start date allows: its weekday's number in the month (1–4: the 2nd
 * Sunday), and -1 (the last Sunday) when it is in the month's last 7 days; both when both
 * hold (the 4th Friday of a month of 28 days is also its last).
 */
export function monthlyOrdinals(date) {
  const week = Math.ceil(date.day / 7);
  const length = new Date(Date.UTC(date.year, date.month, 0)).getUTCDate();
  return [...(week <= 4 ? [week] : []), ...(date.day > length - 7 ? [-1] : [])];
}

/** "2nd Sunday", "last Friday". */
export const ordinalDay = (ordinal, code) => `${ORDINAL_WORDS.get(ordinal)} ${dayName(code)}`;

/**
 * The rule text, in the server's canonical order: {freq: 'WEEKLY'|'MONTHLY', interval,
 * days: ['TH', 'MO'] (WEEKLY), ordinal and day (MONTHLY), count or until ('2031-06-30')}.
 */
export function buildRule({freq, interval = 1, days = [], ordinal, day, count = null, until = null}) {
  const parts = [`FREQ=${freq}`];
  if (interval > 1) parts.push(`INTERVAL=${interval}`);
  parts.push(`BYDAY=${freq === 'WEEKLY' ? DAY_CODES.filter((c) => days.includes(c)).join(',') : `${ordinal}${day}`}`);
  if (count !== null) parts.push(`COUNT=${count}`);
  else if (until) parts.push(`UNTIL=${until.replaceAll('-', '')}`);
  return parts.join(';');
}

/** A rule's parts ({FREQ: 'WEEKLY', BYDAY: 'MO,TH', …}); null when it is not NAME=VALUE;… */
function parts(text) {
  const result = {};
  for (const part of String(text ?? '').split(';')) {
    const match = /^([A-Z]+)=(.+)$/.exec(part);
    if (!match) return null;
    result[match[1]] = match[2];
  }
  return result;
}

/** "weekly" or "monthly" (for "Part of a weekly series"); "" for a rule it cannot read. */
export function frequencyWord(text) {
  const rule = parts(text);
  return rule?.FREQ === 'WEEKLY' ? 'weekly' : rule?.FREQ === 'MONTHLY' ? 'monthly' : '';
}

/** "Monday, Wednesday and Friday". */
export function listWords(words) {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "Sat 31 Jul 2027" for UNTIL (a local date, or a UTC time: its date in UTC). */
function untilWords(value) {
  const match = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z)?$/.exec(value);
  if (!match) return value;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))).toLocaleDateString(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'});
}

/**
 * A rule in plain words: "Every 2 weeks on Monday and Thursday, 10 times", "Every month on
 * the last Friday, until Sat 31 Jul 2027"; with a clock time `at`, "…on Friday at 19:00, …".
 * A rule it cannot read is given as it is.
 */
export function describeRule(text, at = '') {
  const rule = parts(text);
  const interval = Number(rule?.INTERVAL ?? 1);
  const unit = rule?.FREQ === 'WEEKLY' ? 'week' : rule?.FREQ === 'MONTHLY' ? 'month' : null;
  if (!unit || !rule.BYDAY || !(interval >= 1)) return String(text ?? '');
  const every = interval === 1 ? `Every ${unit}` : `Every ${interval} ${unit}s`;
  let on;
  if (unit === 'week') {
    const codes = rule.BYDAY.split(',');
    if (codes.some((c) => !DAY_CODES.includes(c))) return text;
    on = listWords(DAY_CODES.filter((c) => codes.includes(c)).map(dayName));
  } else {
    const match = /^(-1|[1-4])([A-Z]{2})$/.exec(rule.BYDAY);
    if (!match || !DAY_CODES.includes(match[2])) return text;
    on = `the ${ordinalDay(Number(match[1]), match[2])}`;
  }
  const count = Number(rule.COUNT);
  const end = rule.COUNT ? (count === 1 ? ', once' : `, ${count} times`) : rule.UNTIL ? `, until ${untilWords(rule.UNTIL)}` : '';
  return `${every} on ${on}${at ? ` at ${at}` : ''}${end}`;
}
