// The "Repeats" control of the create-event form: does not repeat, weekly on chosen days
// (the start date's day always among them), monthly on the Nth weekday of the start date
// (or the last one), every N weeks or months, ending never, on a date, or after N times.
// It builds the RRULE text sent as `recurrence` (recurrence.js) and says it in words.
import {h, selectField} from '../dom.js';
import {
  DAY_CODES, DAY_NAMES, MAX_COUNT, MAX_INTERVAL, buildRule, civilDate, dayCode, describeRule, monthlyOrdinals, ordinalDay,
} from '../recurrence.js';

/** Shows `message` under `input` (its slot is named by its aria-describedby); false. */
function mark(input, message) {
  document.getElementById(input.getAttribute('aria-describedby')).textContent = message;
  input.setAttribute('aria-invalid', 'true');
  return false;
}

/**
 * The control, for a form whose start is the datetime-local value `start()`. Call
 * `refresh()` when the start changes. `read()` gives the rule text, null for "Does not
 * repeat", or undefined after marking what is wrong.
 */
export function repeatsControl({start}) {
  const chosen = new Set();  // the days ticked by hand; the start's day is ticked anyway
  const summary = h('p', {class: 'repeat-summary', id: 'repeat-summary', role: 'status'});
  const often = selectField({label: 'How often', name: 'recurrence', value: '', 'aria-controls': 'repeat-details',
    options: [['', 'Does not repeat'], ['WEEKLY', 'Weekly'], ['MONTHLY', 'Monthly']]});
  const frequency = often.querySelector('select');

  const unit = h('span', {id: 'repeat-unit'}, 'weeks');
  const interval = h('input', {type: 'number', id: 'repeat-interval', name: 'repeatInterval', min: 1, max: MAX_INTERVAL,
    step: 1, inputmode: 'numeric', value: '1', 'aria-labelledby': 'repeat-interval-label repeat-unit',
    'aria-describedby': 'repeat-interval-error'});
  interval.value = '1';
  const intervalField = h('div', {class: 'field'},
      h('label', {for: 'repeat-interval', id: 'repeat-interval-label'}, 'Repeat every'),
      h('div', {class: 'inline-number'}, interval, unit),
      h('p', {class: 'field-error', id: 'repeat-interval-error', 'aria-live': 'polite'}));

  const dayBoxes = DAY_CODES.map((code, i) => {
    const box = h('input', {type: 'checkbox', id: `repeat-day-${code}`, name: 'repeatDay', value: code,
                            'aria-label': DAY_NAMES[i]});
    box.addEventListener('input', () => (box.checked ? chosen.add(code) : chosen.delete(code)));  // before refresh()
    return box;
  });
  const days = h('fieldset', {class: 'repeat-days'}, h('legend', {}, 'On these days'),
      h('p', {class: 'hint', id: 'repeat-days-hint'}, 'The start date\'s day is always one of them.'),
      h('div', {class: 'day-chips'}, dayBoxes.map((box, i) => h('span', {class: 'chip-toggle'}, box,
          h('label', {for: box.id, title: DAY_NAMES[i]}, DAY_NAMES[i].slice(0, 2))))));

  const monthly = selectField({label: 'On the', name: 'repeatOrdinal', id: 'repeat-ordinal', options: []});
  const ordinal = monthly.querySelector('select');

  const endChoice = (value, text) => h('input', {type: 'radio', name: 'repeatEnd', id: `repeat-end-${value}`, value,
    checked: value === 'never', 'aria-label': text});
  const never = endChoice('never', 'Never'), onDate = endChoice('until', 'On a date'), after = endChoice('count', 'After a number of times');
  const until = h('input', {type: 'date', id: 'repeat-until', name: 'repeatUntil', 'aria-label': 'Last date',
                            'aria-describedby': 'repeat-until-error'});
  const count = h('input', {type: 'number', id: 'repeat-count', name: 'repeatCount', min: 1, max: MAX_COUNT, step: 1,
                            inputmode: 'numeric', value: '10', 'aria-label': 'How many times', 'aria-describedby': 'repeat-count-error'});
  count.value = '10';
  const ends = h('fieldset', {class: 'repeat-ends'}, h('legend', {}, 'Ends'),
      h('div', {class: 'end-choice'}, never, h('label', {for: never.id}, 'Never')),
      h('div', {class: 'end-choice'}, onDate, h('label', {for: onDate.id}, 'On'), until),
      h('p', {class: 'field-error', id: 'repeat-until-error', 'aria-live': 'polite'}),
      h('div', {class: 'end-choice'}, after, h('label', {for: after.id}, 'After'), count, h('span', {}, 'times')),
      h('p', {class: 'field-error', id: 'repeat-count-error', 'aria-live': 'polite'}));
  until.addEventListener('input', () => { onDate.checked = true; });
  count.addEventListener('input', () => { after.checked = true; });

  const details = h('div', {class: 'repeat-details', id: 'repeat-details', hidden: true},
      intervalField, days, monthly, ends, summary);
  const element = h('fieldset', {class: 'repeats'}, h('legend', {}, 'Repeats'),
      h('p', {class: 'hint'}, 'A series: each date is an event of its own, with the same line-up and one shared chat.'),
      often, details);

  // The rule as chosen, whether or not it is complete (for the summary).
  const rule = (date) => {
    const freq = frequency.value;
    const code = dayCode(date);
    const times = Number(count.value);
    return buildRule({freq, interval: Number(interval.value) || 1, days: [...chosen, code], ordinal: Number(ordinal.value),
      day: code, count: after.checked && Number.isInteger(times) && times > 0 ? times : null,
      until: onDate.checked ? until.value : null});
  };

  const refresh = () => {
    const freq = frequency.value;
    details.hidden = !freq;
    if (!freq) return;
    const date = civilDate(start());
    unit.textContent = freq === 'WEEKLY' ? 'weeks' : 'months';
    days.hidden = freq !== 'WEEKLY';
    monthly.hidden = freq !== 'MONTHLY';
    const code = date && dayCode(date);
    for (const box of dayBoxes) {
      const forced = box.value === code;
      box.checked = forced || chosen.has(box.value);
      box.disabled = forced;
      if (forced) box.setAttribute('aria-describedby', 'repeat-days-hint');
      else box.removeAttribute('aria-describedby');
    }
    const ordinals = date ? monthlyOrdinals(date) : [];
    const wanted = ordinals.includes(Number(ordinal.value)) ? ordinal.value : String(ordinals[0] ?? '');
    ordinal.replaceChildren(...ordinals.map((n) => h('option', {value: String(n)}, ordinalDay(n, code))));
    ordinal.value = wanted;
    if (date) until.min = start().slice(0, 10);
    summary.textContent = date ? describeRule(rule(date)) : 'Pick the start date first: the series repeats from it.';
  };
  element.addEventListener('input', refresh);
  element.addEventListener('change', refresh);

  const read = () => {
    const freq = frequency.value;
    if (!freq) return null;
    const date = civilDate(start());
    if (!date) return undefined;  // the start's own error says it
    let ok = true;
    const every = Number(interval.value);
    if (!Number.isInteger(every) || every < 1 || every > MAX_INTERVAL)
      ok = mark(interval, `Repeat every 1 to ${MAX_INTERVAL} ${unit.textContent}.`);
    if (onDate.checked && !civilDate(until.value))
      ok = mark(until, 'Pick the last date, or choose another ending.');
    else if (onDate.checked && until.value < start().slice(0, 10))
      ok = mark(until, 'The last date is on or after the start date.');
    const times = Number(count.value);
    if (after.checked && (!Number.isInteger(times) || times < 1 || times > MAX_COUNT))
      ok = mark(count, `A series has 1 to ${MAX_COUNT} dates.`);
    return ok ? rule(date) : undefined;
  };

  return {element, refresh, read};
}
