// The admin page's server panel: the plugins and their state, and a button that reloads the
// server's configuration file live (POST /v1/admin/reload), saying what it changed.
import {api} from '../api.js';
import {h} from '../dom.js';

const listOf = (names) => (names.length ? names.join(', ') : 'none');

/** What a reload answered, in a sentence. */
export function describeReload(outcome) {
  if (outcome.result === 'unchanged') return 'The configuration loads and changes nothing that can change live.';
  const parts = [`started: ${listOf(outcome.started)}`, `stopped: ${listOf(outcome.stopped)}`,
                 `restarted: ${listOf(outcome.restarted)}`];
  const restart = outcome.needRestart.length
    ? ` These settings changed but take a restart: ${outcome.needRestart.join(', ')}.` : '';
  return `Reloaded (${parts.join('; ')}).${restart}`;
}

export function pluginsPanel() {
  const rows = h('tbody');
  const status = h('p', {role: 'status', class: 'muted'});
  const refresh = async () => {
    const plugins = await api('GET', '/v1/admin/plugins');
    rows.replaceChildren(...plugins.map((p) => h('tr', {'data-plugin': p.name},
        h('td', {}, p.name), h('td', {}, p.version ?? '—'), h('td', {class: `state ${p.state}`}, p.state),
        h('td', {class: 'muted'}, p.library ?? ''))));
  };
  const button = h('button', {type: 'button'}, 'Reload configuration');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Reloading…';
    try {
      status.textContent = describeReload(await api('POST', '/v1/admin/reload'));
    } catch (error) {
      status.textContent = `Nothing changed: ${error.message}`;
    } finally {
      button.disabled = false;
      await refresh().catch((error) => { status.textContent = error.message; });
    }
  });
  const panel = h('section', {class: 'card', 'aria-label': 'Server'},
      h('h2', {}, 'Plugins'),
      h('div', {class: 'table-scroll'}, h('table', {class: 'plugins'},  // a phone scrolls the table, not the page
          h('thead', {}, h('tr', {}, h('th', {}, 'Plugin'), h('th', {}, 'Version'), h('th', {}, 'State'),
                                     h('th', {}, 'Library'))),
          rows)),
      h('p', {class: 'actions'}, button),
      status);
  refresh().catch((error) => { status.textContent = error.message; });
  return panel;
}
