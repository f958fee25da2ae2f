// Reporting (anyone) and the admin page (admins only): open reports with what was
// reported and the resolve actions, suspending and lifting, the audit log, and the
// server's plugins with a live reload (views/plugins.js).
import {api} from '../api.js';
import {app} from '../app.js';
import {formDialog, formatWhen, h, say} from '../dom.js';
import {pluginsPanel} from './plugins.js';

export const isAdmin = () => Boolean(app.me?.roles?.includes('admin'));

/**
 * Asks why in a dialog, then reports a message, an event or a user; says it was done in
 * `status`, and puts the focus back on `opener` (the Report button).
 */
export function report(kind, id, status, opener) {
  const reason = h('textarea', {id: 'report-reason', name: 'reason', maxlength: 1000, rows: 3});
  formDialog({
    title: `Report this ${kind}?`,
    fields: [h('p', {}, 'An admin will read why, and may delete it or suspend its author.'),
             h('label', {for: 'report-reason'}, 'Why?'), reason],
    buttons: h('button', {type: 'submit', class: 'danger'}, 'Report'),
    keepText: 'Cancel',
    focus: reason,
    onSubmit: async () => {
      if (!reason.value.trim()) throw new Error('Say why, in a few words.');
      await api('POST', '/v1/reports', {kind, id, reason: reason.value.trim()});
      say(status, 'Thanks: an admin will look at it.', true);
    },
    onClose: () => opener?.isConnected && opener.focus(),
  });
}

export async function adminView(page) {
  page.append(h('h1', {}, 'Admin'));
  if (!isAdmin()) {
    page.append(h('p', {class: 'form-error', role: 'alert'}, 'Only admins can see this page.'));
    return;
  }
  const status = h('p', {class: 'form-error', role: 'alert'});
  const reports = h('ol', {class: 'reports', 'aria-label': 'Open reports'});
  const audit = h('ol', {class: 'audit', 'aria-label': 'Audit log'});

  const act = async (work) => {
    say(status, '');
    try {
      await work();
      await refresh();
    } catch (error) {
      say(status, error.message);
    }
  };

  const renderReport = (r) => h('li', {class: 'card', 'data-id': r.id},
      h('p', {class: 'meta'}, h('strong', {}, `${r.kind} ${r.targetID}`), ' reported ',
          h('time', {datetime: r.createdAt}, formatWhen(r.createdAt)), ` by user ${r.reporterID}`),
      h('p', {}, 'Reason: ', r.reason),
      r.target ? h('blockquote', {}, r.target.excerpt, h('span', {class: 'muted'}, ` (by user ${r.target.authorID})`))
               : h('p', {class: 'muted'}, 'It is gone.'),
      h('p', {class: 'actions'},
          h('button', {type: 'button', onclick: () => act(() => resolve(r.id, 'dismiss'))}, 'Dismiss'),
          r.kind !== 'user' && h('button', {type: 'button', class: 'danger',
                                            onclick: () => act(() => resolve(r.id, 'delete'))}, 'Delete it'),
          h('button', {type: 'button', class: 'danger',
                       onclick: () => act(() => resolve(r.id, 'suspend'))}, 'Suspend the author')));

  const refresh = async () => {
    const [open, log] = await Promise.all([api('GET', '/v1/reports?state=open'), api('GET', '/v1/audit?limit=50')]);
    reports.replaceChildren(...(open.length ? open.map(renderReport) : [h('li', {class: 'muted'}, 'No open reports.')]));
    audit.replaceChildren(...log.map((e) => h('li', {},
        h('time', {datetime: e.createdAt}, formatWhen(e.createdAt)),
        ` user ${e.actorID}: ${e.action} ${e.targetKind} ${e.targetID}`, e.reason ? ` (${e.reason})` : '')));
  };

  const userId = h('input', {id: 'suspend-user', type: 'number', min: 1, required: true});
  const reason = h('input', {id: 'suspend-reason', maxlength: 1000});
  const suspendForm = h('form', {class: 'card narrow'},
      h('h2', {}, 'Suspend or lift'),
      h('label', {for: 'suspend-user'}, 'User id'), userId,
      h('label', {for: 'suspend-reason'}, 'Reason'), reason,
      h('p', {class: 'actions'},
          h('button', {type: 'submit', class: 'danger'}, 'Suspend'),
          h('button', {type: 'button', onclick: () => act(() => api('DELETE', `/v1/users/${userId.value}/suspend`))},
              'Lift suspension')));
  suspendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    act(() => api('POST', `/v1/users/${userId.value}/suspend`, {reason: reason.value}));
  });

  page.append(status, h('h2', {}, 'Open reports'), reports, suspendForm, h('h2', {}, 'Audit log'), audit,
      pluginsPanel());
  await refresh().catch((error) => say(status, error.message));
}

function resolve(id, action) {
  return api('POST', `/v1/reports/${id}/resolve`, {action});
}
