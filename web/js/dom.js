// Tiny DOM helpers: elements are built with text nodes, never from HTML strings, so what
// people type is never interpreted as markup.

/** h('button', {class: 'primary', onclick: fn}, 'Save') */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A labelled form field with a slot for its error message. */
export function field({label, name, type = 'text', value = '', required = false, hint = '', ...rest}) {
  const id = `field-${name}`;
  const error = h('p', {class: 'field-error', id: `${id}-error`, 'aria-live': 'polite'});
  const input = h(type === 'textarea' ? 'textarea' : 'input', {
    id, name, ...(type === 'textarea' ? {} : {type}), required, 'aria-describedby': `${id}-error`, ...rest,
  });
  input.value = value;
  input.addEventListener('input', () => {  // its error goes once the field is changed
    if (!error.textContent) return;
    error.textContent = '';
    input.setAttribute('aria-invalid', 'false');
  });
  return h('div', {class: 'field'}, h('label', {for: id}, label), hint && h('p', {class: 'hint'}, hint), input, error);
}

/** Shows `message` next to the field called `name` in `form` (or clears it). */
export function setFieldError(form, name, message) {
  const input = form.elements.namedItem(name);
  const slot = form.querySelector(`#field-${name}-error`);
  if (!input || !slot) return false;
  slot.textContent = message || '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  return true;
}

/**
 * Runs `work()` with `button` marked busy: aria-disabled rather than disabled, which would
 * drop the keyboard's focus to the page before the view drawn after could keep it. A press
 * while busy does nothing (undefined). Gives what work() gives, throws what it throws.
 */
export async function whileBusy(button, work) {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

/**
 * Marks `select` as the reader's choice once they change it, so that keepingChoices keeps
 * it across a redraw that a push causes.
 */
export function remembersChoice(select) {
  select.addEventListener('change', () => { select.dataset.chosen = ''; });
  return select;
}

/**
 * Draws `root` again with `redraw()`, keeping in each remembered <select> (by id) what the
 * reader chose and has not sent yet, where the new one still offers it.
 */
export function keepingChoices(root, redraw) {
  const chosen = [...root.querySelectorAll('select[data-chosen]')].map((select) => [select.id, select.value]);
  redraw();
  for (const [id, value] of chosen) {
    const select = document.getElementById(id);
    if (!select || ![...select.options].some((option) => option.value === value)) continue;
    select.value = value;
    select.dispatchEvent(new Event('change'));
  }
}

/** Puts `text` in a status line (a .form-error or .card-error): red, or green when `ok`. */
export function say(line, text, ok = false) {
  line.textContent = text;
  line.classList.toggle('ok', ok);
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error, .form-error')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** "Sat 6 Dec, 18:00" in the reader's own time zone (with the year when it is not this one). */
export function formatWhen(iso) {
  const when = new Date(iso);
  return when.toLocaleString(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
    ...(when.getFullYear() !== new Date().getFullYear() ? {year: 'numeric'} : {}),
  });
}

export function initials(profile) {
  const text = `${profile.firstName?.[0] ?? ''}${profile.lastName?.[0] ?? ''}` || profile.userName?.[0] || '?';
  return text.toUpperCase();
}

/** The profile's picture, or its initials where the picture cannot load (no internet). */
export function avatar(profile, size = 'small') {
  const fallback = h('span', {class: `avatar avatar-${size}`, 'aria-hidden': 'true'}, initials(profile));
  if (!profile.photoURL) return fallback;
  const image = h('img', {class: `avatar avatar-${size}`, src: `${profile.photoURL}?d=404&s=96`, alt: ''});
  image.addEventListener('error', () => image.replaceWith(fallback));
  return image;
}

/** A labelled <select> with a slot for its error message; `options` are [value, text] pairs. */
export function selectField({label, name, options, value = '', hint = '', id = `field-${name}`, ...rest}) {
  const error = h('p', {class: 'field-error', id: `${id}-error`, 'aria-live': 'polite'});
  const select = h('select', {id, name, 'aria-describedby': `${id}-error`, ...rest},
      options.map(([optionValue, text]) => h('option', {value: optionValue}, text)));
  select.value = value;
  return h('div', {class: 'field'}, h('label', {for: id}, label), hint && h('p', {class: 'hint'}, hint), select, error);
}

/** A checkbox with its label beside it (role "switch" for an on/off setting). */
export function checkField({label, name, checked = false, id = `field-${name}`, ...rest}) {
  const box = h('input', {type: 'checkbox', id, name, ...rest});
  box.checked = checked;
  return h('div', {class: 'field check'}, box, h('label', {for: id}, label));
}

/**
 * Rows people add and remove (instruments with levels, an event's slots): an <ol> and an
 * "add" button, disabled at `max` rows. `make(value)` gives a new row's controls (labelled
 * fields); `label(row, n)` renumbers their ids and labels after every change; each row gets
 * a Remove button, named by `removeName(n)`. Focus stays on a row, or on the add button.
 */
export function rowList({addText, max, make, label, removeName}) {
  const list = h('ol', {class: 'instrument-rows'});
  const add = h('button', {type: 'button'}, addText);
  const relabel = () => {
    [...list.children].forEach((row, i) => {
      label(row, i + 1);
      row.querySelector('.remove-row').setAttribute('aria-label', removeName(i + 1));
    });
    add.disabled = list.children.length >= max;
  };
  const append = (value) => {
    const row = h('li', {class: 'instrument-row'}, make(value),
        h('button', {type: 'button', class: 'link remove-row', onclick: () => {
          const next = row.nextElementSibling ?? row.previousElementSibling;
          row.remove();
          relabel();
          (next?.querySelector('select, input') ?? add).focus();
        }}, 'Remove'));
    list.append(row);
    relabel();
    return row;
  };
  add.addEventListener('click', () => append().querySelector('select, input').focus());
  return {list, add, append, rows: () => [...list.children]};
}

/** Points the label of each of `row`'s fields at its control, with ids and texts for row n. */
export function labelRow(row, names) {
  [...row.querySelectorAll('.field')].forEach((box, i) => {
    const [id, text] = names[i];
    const control = box.querySelector('select, input');
    const labelElement = box.querySelector('label');
    control.id = id;
    control.setAttribute('aria-describedby', `${id}-error`);
    box.querySelector('.field-error').id = `${id}-error`;
    labelElement.htmlFor = id;
    labelElement.textContent = text;
  });
}

/**
 * A modal dialog holding a form: its `title`, `fields` (nodes), submit `buttons` (each with
 * a `value` naming its action) and a last button, `keepText`, that closes it.
 * `onSubmit(action)` does what was asked; what it throws is shown in the dialog, which
 * closes once it returns. `onClose()` runs once it is gone (to put the focus back); `focus`
 * is the control focused on opening. Returns the open dialog.
 */
export function formDialog({title, fields, buttons, keepText, onSubmit, onClose, focus}) {
  const titleId = `dialog-title-${++formDialog.opened}`;
  const error = h('p', {class: 'form-error', role: 'alert'});
  const form = h('form', {}, h('h2', {id: titleId}, title), fields, error,
      h('p', {class: 'actions'}, buttons, h('button', {type: 'button', onclick: () => dialog.close()}, keepText)));
  const dialog = h('dialog', {class: 'card dialog', 'aria-labelledby': titleId}, form);
  let busy = false;
  form.addEventListener('submit', async (submitted) => {
    submitted.preventDefault();
    const submits = [...form.querySelectorAll('button[type=submit]')];
    for (const button of submits) button.disabled = true;
    busy = true;
    try {
      await onSubmit(submitted.submitter?.value ?? '');
      busy = false;
      dialog.close();
    } catch (failure) {
      busy = false;
      error.textContent = failure.message;
      // Disabled while it ran, the button lost the focus: back to it, beside the error.
      for (const button of submits) button.disabled = false;
      (submitted.submitter ?? submits[0])?.focus();
    }
  });
  // Escape while it runs would hide what it answers: the dialog waits for it.
  dialog.addEventListener('cancel', (escaped) => { if (busy) escaped.preventDefault(); });
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  (focus ?? form.querySelector('button[type=submit]')).focus();
  return dialog;
}
formDialog.opened = 0;

/**
 * A modal dialog that asks for an optional reason before something that cannot be undone
 * (cancelling an event or a series): `title`, `text`, the reason's `label`, the buttons'
 * `confirmText` and `keepText`. `onConfirm(reason)` (the trimmed text, '' for none) does it;
 * the rest as formDialog's.
 */
export function reasonDialog({title, text, label, confirmText, keepText, onConfirm, onClose}) {
  const reason = h('textarea', {id: 'cancel-reason', name: 'reason', maxlength: 500, rows: 3});
  return formDialog({
    title, keepText, onClose, focus: reason,
    fields: [h('p', {}, text), h('label', {for: 'cancel-reason'}, label), reason],
    buttons: h('button', {type: 'submit', class: 'danger'}, confirmText),
    onSubmit: () => onConfirm(reason.value.trim()),
  });
}
