// "Subscribe in your calendar" (on My events): one's private feed link (GET/POST/DELETE
// /v1/calendar/feed): made or reset, then shown once with Copy and a webcal:// link (the
// server keeps only a hash of it), or turned off; and the public calendar, for sharing.
import {api} from '../api.js';
import {formatWhen, h} from '../dom.js';

const absolute = (path) => `${location.origin}${path}`;
const webcal = (path) => `webcal://${location.host}${path}`;

/** Copies `input`'s text; says how it went in `status`. */
async function copy(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = 'Copied.';
  } catch {
    input.select();
    status.textContent = document.execCommand('copy') ? 'Copied.' : 'Select the link and copy it (Ctrl+C).';
  }
}

/** The panel, closed; what the server has is asked for when it is first opened. */
export function calendarPanel() {
  const state = h('p', {class: 'feed-state', role: 'status'}, 'Loading…');
  const actions = h('p', {class: 'actions'});
  const fresh = h('div', {class: 'feed-new'});
  const error = h('p', {class: 'form-error', role: 'alert'});
  const publicPath = '/v1/calendar/public.ics';

  const act = async (button, work) => {
    error.textContent = '';
    button.disabled = true;
    try {
      await work();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  };

  // The link just made: shown this once.
  const showLink = (path) => {
    const input = h('input', {id: 'feed-url', type: 'text', readonly: true, value: absolute(path), spellcheck: 'false'});
    input.value = absolute(path);
    const copied = h('span', {class: 'saved', role: 'status'});
    fresh.replaceChildren(
        h('label', {for: 'feed-url'}, 'Your private link'),
        h('p', {class: 'hint'}, 'Copy it now: it is not shown again.'),
        h('div', {class: 'feed-url'}, input,
            h('button', {type: 'button', onclick: () => copy(input, copied)}, 'Copy'), copied),
        h('p', {}, h('a', {href: webcal(path), id: 'feed-webcal'}, 'Open in your calendar app'),
            h('span', {class: 'muted'}, ' (webcal://)')));
    input.focus();
    input.select();
  };

  const draw = (feed) => {
    state.textContent = feed.active
      ? `You have a private link${feed.createdAt ? `, made ${formatWhen(feed.createdAt)}` : ''}.`
      : 'You have no private link.';
    const make = (text, confirmText) => h('button', {type: 'button', class: feed.active ? '' : 'primary', onclick: (click) => {
      if (confirmText && !confirm(confirmText)) return;
      act(click.currentTarget, async () => {
        const {url} = await api('POST', '/v1/calendar/feed', {});
        draw({active: true, createdAt: new Date().toISOString()});
        showLink(url);
      });
    }}, text);
    actions.replaceChildren(...(feed.active ? [
      make('Reset link', 'Reset the link? The old one stops working in every calendar that uses it.'),
      h('button', {type: 'button', class: 'danger', onclick: (click) => {
        if (!confirm('Turn the link off? Calendars that use it stop showing your events.')) return;
        act(click.currentTarget, async () => {
          await api('DELETE', '/v1/calendar/feed');
          fresh.replaceChildren();
          draw({active: false, createdAt: null});
          actions.querySelector('button').focus();  // "Create link", where "Turn off" was
        });
      }}, 'Turn off'),
    ] : [make('Create link')]));
  };

  const panel = h('details', {class: 'card calendar-panel'},
      h('summary', {}, 'Subscribe in your calendar'),
      h('p', {}, 'A link to the events you join (going or on a waitlist) for your calendar app (Google Calendar, ' +
          'Apple Calendar, Outlook, Thunderbird…) to subscribe to: it follows your changes by itself.'),
      h('p', {}, h('strong', {}, 'The link is private: '), 'anyone who has it sees your events. It is shown once, ' +
          'when it is made. Lost it, or shared it by mistake? Reset it: the old one stops working.'),
      state, actions, fresh, error,
      h('h3', {}, 'The public calendar'),
      h('p', {}, 'Upcoming events on this server, for anyone to subscribe to: share this link.'),
      h('p', {}, h('a', {href: publicPath, id: 'public-calendar'}, h('code', {}, absolute(publicPath))), ' · ',
          h('a', {href: webcal(publicPath)}, 'Open in your calendar app')));

  let loaded = false;
  panel.addEventListener('toggle', async () => {
    if (!panel.open || loaded) return;
    loaded = true;
    try {
      draw(await api('GET', '/v1/calendar/feed'));
    } catch (failure) {
      loaded = false;
      state.textContent = '';
      error.textContent = failure.message;
    }
  });
  return panel;
}
