// @mentions in the chat: highlighting them in a message, and completing a name while typing.
// The server decides who a message names (its `mentions`); here names are only drawn.
import {h} from '../dom.js';

// "@word" at the start or after white space or an opening bracket, as the server reads it.
const MENTION = /(^|[\s([{"'])@(\S+)/g;
const TRAILING = /[.,!?:;)\]}"']+$/;

/**
 * `text` as nodes, with each @name of a channel member in a <span class="mention"> and the
 * reader's own (when `me` is given: the message names them) in a <mark>.
 */
export function withMentions(text, members, me) {
  const names = new Set(members.map((m) => m.userName.toLowerCase()));
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(MENTION)) {
    const word = match[2];
    const name = names.has(word.toLowerCase()) ? word : word.replace(TRAILING, '');
    const lower = name.toLowerCase();
    const isMe = me && lower === me.userName.toLowerCase();
    if (!isMe && !names.has(lower)) continue;
    const start = match.index + match[1].length;
    nodes.push(text.slice(from, start));
    nodes.push(isMe ? h('mark', {class: 'mention me'}, `@${name}`) : h('span', {class: 'mention'}, `@${name}`));
    from = start + 1 + name.length;
  }
  nodes.push(text.slice(from));
  return nodes.filter((node) => node !== '');
}

/**
 * Suggests channel members while an @word is being typed in `input`: arrows move, Enter or
 * Tab takes one, Escape closes; a click takes one too. `people()` gives the candidates.
 * Returns {element (the list, to put after the form), isOpen(), close()}.
 */
export function mentionCompleter(input, people) {
  const list = h('ul', {class: 'suggestions', role: 'listbox', id: 'mention-suggestions', 'aria-label': 'People',
                        hidden: true});
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  let options = [], active = 0, word = null;

  // The @word before the caret: where its name starts and what is typed of it.
  const wordAtCaret = () => {
    const before = input.value.slice(0, input.selectionStart);
    const match = before.match(/(^|[\s([{"'])@([^\s@]*)$/);
    return match ? {start: before.length - match[2].length, typed: match[2]} : null;
  };

  const close = () => {
    list.hidden = true;
    options = [];
    input.removeAttribute('aria-activedescendant');
    input.setAttribute('aria-expanded', 'false');
  };

  const highlight = (index) => {
    active = index;
    list.querySelectorAll('[role=option]').forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    input.setAttribute('aria-activedescendant', `mention-option-${active}`);
  };

  const take = (person) => {
    const caret = input.selectionStart;
    input.value = `${input.value.slice(0, word.start)}${person.userName} ${input.value.slice(caret)}`;
    const at = word.start + person.userName.length + 1;
    input.setSelectionRange(at, at);
    close();
    input.focus();
  };

  const update = () => {
    word = wordAtCaret();
    if (!word) return close();
    const typed = word.typed.toLowerCase();
    options = people().filter((p) => p.userName.toLowerCase().startsWith(typed)).slice(0, 6);
    if (!options.length) return close();
    list.replaceChildren(...options.map((person, i) => {
      const option = h('li', {role: 'option', id: `mention-option-${i}`, 'aria-selected': 'false'},
          h('strong', {}, `@${person.userName}`), ' ',
          h('span', {class: 'muted'}, [person.firstName, person.lastName].filter(Boolean).join(' ')));
      // Taken on mousedown, before the textarea loses its focus and caret.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault();
        take(person);
      });
      return option;
    }));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(0);
  };

  input.addEventListener('input', update);
  input.addEventListener('blur', () => setTimeout(close, 100));
  // Registered before the chat's own keydown (Enter sends): it sees isOpen() true and waits.
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      highlight((active + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      take(options[active]);
      event.stopImmediatePropagation();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
      event.stopImmediatePropagation();
    }
  });

  return {element: list, isOpen: () => !list.hidden, close};
}
