// The app: who is signed in, the routes, the live connection and the banner.
import {api, session} from './api.js';
import {Live} from './live.js';
import {unread} from './unread.js';
import {signInView, signUpView} from './views/auth.js';
import {eventsView, forMeView, myEventsView} from './views/events.js';
import {eventView} from './views/event.js';
import {seriesView} from './views/series.js';
import {rsvpNotice} from './views/lineup.js';
import {musicianView, musiciansView, myMusicView} from './views/musicians.js';
import {profileView} from './views/profile.js';
import {adminView, isAdmin} from './views/moderation.js';
import {instrumentNames} from './vocab.js';
import {h} from './dom.js';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
const notice = document.getElementById('notice');
const nav = document.getElementById('nav');

export const app = {
  me: null,            // the signed-in user's profile
  pushListeners: new Set(),
  live: null,
  reconnectListeners: new Set(),

  async signedIn(profile) {
    // Sign-up and sign-in answer with the profile alone; one's roles come with /v1/users/me.
    if (!profile.roles) profile = {...profile, roles: (await api('GET', '/v1/users/me').catch(() => ({}))).roles ?? []};
    this.me = profile;
    nav.hidden = false;
    notice.hidden = true;  // what was said to whoever was here before (a session that ended)
    notice.replaceChildren();
    document.getElementById('nav-admin').hidden = !isAdmin();
    if (!this.live) {
      this.live = new Live({
        onPush: (push) => {
          unread.onPush(push);
          if (push.type === 'rsvp-update') noticeRsvp(push);
          this.pushListeners.forEach((listener) => listener(push));
        },
        onDown: () => {
          showBanner('Connection lost. Reconnecting…');
          // The socket also closes when the session ends (signed out in another tab, or
          // suspended): then only the session check's 401 tells, and reconnecting is futile.
          // Someone else signed in meanwhile in another tab: the page starts again as them.
          api('GET', '/v1/users/me').then((me) => {
            if (this.me && me.id !== this.me.id) location.reload();
          }, () => {});
        },
        onUp: () => {
          hideBanner();
          unread.load(this.me);  // what was missed while away
          this.reconnectListeners.forEach((listener) => listener());
        },
      });
      this.live.start();
    }
    await unread.load(profile);
  },

  signedOut() {
    this.me = null;
    this.wanted = null;
    unread.clear();
    nav.hidden = true;
    hideBanner();
    if (this.live) this.live.stop();
    this.live = null;
  },

  // A request answered 401 while signed in: the session is gone (signed out elsewhere,
  // every session ended, or suspended by an admin). Every view needs one, so to sign-in.
  sessionEnded() {
    if (!this.me) return;  // signing in, or already out
    const here = location.hash || '#/events';
    this.signedOut();
    this.wanted = here;  // signing in again comes back here
    this.notify('Your session has ended (signed out elsewhere, or by an admin). Please sign in again.');
    this.go('#/signin');
  },

  // The page a visitor opened before signing in (a link from their calendar, say), which
  // signing in or up leads to; else the events.
  wanted: null,
  afterSignIn() {
    const hash = this.wanted ?? '#/events';
    this.wanted = null;
    this.go(hash);
  },

  /** A notice that stays until dismissed (or the next one), with a link when `href` is given. */
  notify(text, href = null, linkText = 'Open the event') {
    const parts = [h('span', {}, text)];
    if (href) parts.push(' ', h('a', {href}, linkText));
    parts.push(' ', h('button', {type: 'button', class: 'link', onclick: () => {
      notice.hidden = true;
      notice.replaceChildren();
    }}, 'Dismiss'));
    notice.replaceChildren(...parts);
    notice.hidden = false;
  },

  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

// The number of unread messages in one's event chats, beside "My events".
unread.listeners.add(() => {
  const count = document.getElementById('nav-unread');
  const total = unread.total();
  count.textContent = total ? String(total) : '';
  count.hidden = !total;
  count.setAttribute('aria-label', `${total} unread`);
});

// A place opened up for the reader (or a shrink or the organiser moved them): said
// wherever they are, with a link to the event unless they are on its page.
async function noticeRsvp(push) {
  const page = `#/events/${push.eventID}`;
  const [names, event] = await Promise.all([instrumentNames(),
    api('GET', `/v1/events/${push.eventID}`).catch(() => null)]);  // for its title; gone: no link
  app.notify(rsvpNotice(push.rsvp, names, push.reason), location.hash === page || !event ? null : page,
      event && `Open “${event.title}”`);
}

function showBanner(text) {
  banner.textContent = text;
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
  banner.textContent = '';
}

const routes = [
  [/^#\/signin$/, signInView, false],
  [/^#\/signup$/, signUpView, false],
  [/^#\/events$/, eventsView, true],
  [/^#\/my-events$/, myEventsView, true],
  [/^#\/for-me$/, forMeView, true],
  [/^#\/events\/(\d+)$/, eventView, true],
  [/^#\/series\/(\d+)$/, seriesView, true],
  [/^#\/musicians$/, musiciansView, true],
  [/^#\/musicians\/(\d+)$/, musicianView, true],
  [/^#\/my-music$/, myMusicView, true],
  [/^#\/profile$/, profileView, true],
  [/^#\/admin$/, adminView, true],
];

let cleanup = null, routed = 0;

const kSiteName = 'Music Maker Meetup';

// The tab's title names the page (an event's, its title), for tabs, history and screen
// readers, and follows its heading when that changes (an event renamed, live or by its editor).
function nameTab() {
  const heading = main.querySelector('h1')?.textContent;
  const title = heading ? `${heading} · ${kSiteName}` : kSiteName;
  if (document.title !== title) document.title = title;
}
new MutationObserver(nameTab).observe(main, {childList: true, subtree: true, characterData: true});

async function route() {
  const hash = location.hash || '#/events';
  const [, view, needsUser] = routes.find(([pattern]) => pattern.test(hash)) ?? [null, null, true];
  if (!view) return app.go('#/events');
  if (needsUser && !app.me) {
    app.wanted = hash;
    return app.go('#/signin');
  }
  if (!needsUser && app.me) return app.go('#/events');
  if (cleanup) cleanup();
  cleanup = null;
  // A dialog of the page left (a report, a mute) goes with it.
  for (const dialog of document.querySelectorAll('dialog.dialog')) dialog.close();
  for (const link of nav.querySelectorAll('a'))
    link.toggleAttribute('aria-current', hash.startsWith(link.getAttribute('href')));
  const params = hash.match(routes.find(([pattern]) => pattern.test(hash))[0]).slice(1);
  const page = document.createElement('div');
  main.replaceChildren(page);
  const mine = ++routed;
  let done = null;
  try {
    done = (await view(page, ...params)) || null;
  } catch (error) {  // a view that could not load says why rather than stay blank
    if (mine === routed) page.replaceChildren(h('p', {class: 'form-error', role: 'alert'}, error.message));
  }
  if (mine !== routed) {  // another page opened while this one loaded: this one is gone
    done?.();
    return;
  }
  cleanup = done;
  const heading = main.querySelector('h1');
  nameTab();
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: true});
  }
}

session.ended = () => app.sessionEnded();

// "Skip to content" moves the focus to the page's content; as a link to #main it went
// through the router, which knows no such page.
document.querySelector('a.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

async function boot() {
  try {
    await app.signedIn(await api('GET', '/v1/users/me'));
  } catch {
    app.signedOut();
  }
  window.addEventListener('hashchange', route);
  await route();
}

boot();
