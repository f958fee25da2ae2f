// Reporting (anyone) and the admin page (admins only): open reports with what was
// reported and the resolve actions, suspending and lifting, the audit log, and the
// server's plugins with a live reload (views/plugins.js).
import {api} from '../api.js';
import {app} from '../app.js';
import {formDialog, formatWhen, h, say} from '../dom.js';
import {pluginsPanel} from './plugins.js';

// The audit log's actions, as the sentence "@ann <verb> <what>" says them.
const ACTIONS = {
  'message.delete': 'deleted', 'channel.mute': 'muted', 'channel.unmute': 'unmuted',
  'user.suspend': 'suspended', 'user.unsuspend': 'lifted the suspension of',
  'event.edit': 'edited', 'event.cancel': 'cancelled', 'event.delete': 'deleted',
  'event.member.remove': 'took someone off the line-up of', 'series.edit': 'edited', 'series.cancel': 'cancelled',
  'report.dismiss': 'dismissed', 'report.delete': 'deleted what was reported in', 'report.suspend': 'suspended the author of',
};

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
  const reportsHeading = h('h2', {tabindex: '-1'}, 'Open reports');
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

  // People by id, as links to their profiles: asked once each for the page.
  const people = new Map();
  const learn = (ids) => Promise.all([...new Set(ids)].filter((id) => id && !people.has(id)).map((id) =>
    api('GET', `/v1/users/${id}`).then((p) => people.set(id, p), () => people.set(id, null))));
  const person = (id) => {
    const p = people.get(id);
    return p ? h('a', {href: `#/musicians/${id}`}, `@${p.userName}`) : `user ${id}`;
  };
  // What was reported or acted on, in words, with a link where it has a page.
  const thing = (kind, id) => {
    if (kind === 'user') return person(id);
    if (kind === 'event') return h('a', {href: `#/events/${id}`}, `event ${id}`);
    if (kind === 'series') return h('a', {href: `#/series/${id}`}, `series ${id}`);
    return `${kind} ${id}`;
  };

  const renderReport = (r) => h('li', {class: 'card', 'data-id': r.id},
      h('p', {class: 'meta'}, h('strong', {}, r.kind === 'message' ? 'A message' : thing(r.kind, r.targetID)),
          ' reported ', h('time', {datetime: r.createdAt}, formatWhen(r.createdAt)), ' by ', person(r.reporterID)),
      h('p', {}, 'Reason: ', r.reason),
      r.target ? h('blockquote', {}, r.target.excerpt, h('span', {class: 'muted'}, ' (by ', person(r.target.authorID), ')'))
               : h('p', {class: 'muted'}, 'It is gone.'),
      h('p', {class: 'actions'},
          h('button', {type: 'button', onclick: () => settle(r, 'dismiss')}, 'Dismiss'),
          r.kind !== 'user' && h('button', {type: 'button', class: 'danger', onclick: () => settle(r, 'delete')}, 'Delete it'),
          h('button', {type: 'button', class: 'danger', onclick: () => settle(r, 'suspend')}, 'Suspend the author')));

  // Resolves a report: deleting and suspending are asked first (the suspended author is told
  // the report's reason); done, said in words, and the focus goes to the next report's first
  // action, or to the heading when none is left.
  const settle = async (r, action) => {
    const author = r.kind === 'user' ? r.targetID : r.target?.authorID;
    const name = author && people.get(author) ? `@${people.get(author).userName}` : 'its author';
    const question = {
      delete: 'Delete what was reported, for everyone?',
      suspend: `Suspend ${name}? Every session of theirs ends, and signing in tells them the report's reason: “${r.reason}”.`,
    }[action];
    if (question && !confirm(question)) return;
    const done = {dismiss: 'Report dismissed.', delete: 'Deleted.', suspend: `${name[0].toUpperCase()}${name.slice(1)} is suspended.`}[action];
    await act(async () => {
      await resolve(r.id, action);
      say(status, done, true);
    });
    (reports.querySelector('button') ?? reportsHeading).focus();
  };

  const renderEntry = (e) => {
    const verb = ACTIONS[e.action];
    return h('li', {'data-action': e.action},
        h('time', {datetime: e.createdAt}, formatWhen(e.createdAt)), ' ', person(e.actorID), ' ',
        verb ?? e.action, ' ', thing(e.targetKind, e.targetID), e.reason ? ` (${e.reason})` : '');
  };

  const refresh = async () => {
    const [open, log] = await Promise.all([api('GET', '/v1/reports?state=open'), api('GET', '/v1/audit?limit=50')]);
    await learn([...open.flatMap((r) => [r.reporterID, r.target?.authorID, r.kind === 'user' && r.targetID]),
                 ...log.flatMap((e) => [e.actorID, e.targetKind === 'user' && e.targetID])]);
    reports.replaceChildren(...(open.length ? open.map(renderReport) : [h('li', {class: 'muted'}, 'No open reports.')]));
    audit.replaceChildren(...log.map(renderEntry));
  };

  const userId = h('input', {id: 'suspend-user', inputmode: 'numeric', 'aria-describedby': 'suspend-user-hint'});
  const reason = h('input', {id: 'suspend-reason', maxlength: 1000});
  // The user's number, checked here; done, said in words with their name.
  const onUser = async (work, done) => {
    const id = userId.value.trim();
    if (!/^[1-9]\d{0,17}$/.test(id)) return say(status, 'Enter the user\'s number: the end of their profile\'s address.');
    await act(async () => {
      await work(id);
      await learn([Number(id)]);
      const who = people.get(Number(id));
      say(status, done(who ? `@${who.userName}` : `User ${id}`), true);
    });
  };
  const suspendForm = h('form', {class: 'card narrow', novalidate: true},
      h('h2', {}, 'Suspend or lift'),
      h('label', {for: 'suspend-user'}, 'User number'),
      h('p', {class: 'hint', id: 'suspend-user-hint'}, 'The end of their profile\'s address: #/musicians/12 is user 12.'),
      userId,
      h('label', {for: 'suspend-reason'}, 'Reason'), reason,
      h('p', {class: 'actions'},
          h('button', {type: 'submit', class: 'danger'}, 'Suspend'),
          h('button', {type: 'button', onclick: () => onUser((id) => api('DELETE', `/v1/users/${id}/suspend`),
                                                             (who) => `${who} may sign in again.`)},
              'Lift suspension')));
  suspendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    onUser((id) => api('POST', `/v1/users/${id}/suspend`, {reason: reason.value}),
           (who) => `${who} is suspended: their sessions have ended.`);
  });

  page.append(status, reportsHeading, reports, suspendForm, h('h2', {}, 'Audit log'), audit,
      pluginsPanel());
  await refresh().catch((error) => say(status, error.message));
}

function resolve(id, action) {
  return api('POST', `/v1/reports/${id}/resolve`, {action});
}
