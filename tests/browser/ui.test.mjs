// The web UI in a real browser: Debian's chromium driven by playwright-core, against a
// running mmm-server (SQLite, in-memory sessions) serving web/. Two browser contexts are
// two musicians. Screenshots of every view, at desktop and phone widths, go to
// $MMM_SCREENSHOT_DIR.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const binDir = process.env.MMM_TEST_BIN_DIR ?? path.join(root, 'build/bin');
const shots = process.env.MMM_SCREENSHOT_DIR ?? path.join(root, 'build/screenshots');
const unique = Date.now().toString(36);

let server, base, browser, work;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mmm-ui-'));
  mkdirSync(shots, {recursive: true});
  writeFileSync(path.join(work, 'mmm.yaml'), `
server: {listen: '127.0.0.1:0'}
log: {level: warn}
web: {root: '${path.join(root, 'web')}'}
store: {url: 'sqlite:${path.join(work, 'mmm.db')}'}
plugins:
  - name: users
    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}, admins: ['ann.${unique}@example.org']}
  - name: chat
  - name: meetups
`);
  server = spawn(path.join(binDir, 'mmm-server'), ['--config', path.join(work, 'mmm.yaml')], {stdio: ['ignore', 'pipe', 'inherit']});
  const port = await new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening on port (\d+)/);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`mmm-server exited with ${code}`)));
  });
  base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: process.env.MMM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, 'mmm-server exits 0 on SIGTERM');
  }
  rmSync(work, {recursive: true, force: true});
});

async function newMusician(name, viewport = {width: 1280, height: 800}) {
  const context = await browser.newContext({viewport});
  const page = await context.newPage();
  page.on('pageerror', (error) => assert.fail(`page error in ${name}'s browser: ${error.message}`));
  // The UI must work under its Content-Security-Policy: a blocked script, style, socket or
  // image is a failure, not a silent gap.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      assert.fail(`CSP violation in ${name}'s browser: ${message.text()}`);
  });
  return {name, context, page, email: `${name}.${unique}@example.org`, password: `${name}-secret-pw`};
}

async function signUp(m) {
  await m.page.goto(`${base}/#/signup`);
  await m.page.getByLabel('Email').fill(m.email);
  await m.page.getByLabel('User name').fill(`${m.name}${unique}`);
  await m.page.getByLabel('First name').fill(m.name[0].toUpperCase() + m.name.slice(1));
  await m.page.getByLabel('Last name').fill('Player');
  await m.page.getByLabel('Password', {exact: true}).fill(m.password);
  await m.page.getByLabel('Password again').fill(m.password);
  await m.page.getByRole('button', {name: 'Create my account'}).click();
  await m.page.getByRole('heading', {name: 'Find musicians to play with'}).waitFor();
}

const messages = (page) => page.locator('.messages .body');

async function send(page, text) {
  await page.getByLabel('Message', {exact: true}).fill(text);
  await page.getByRole('button', {name: 'Send'}).click();
}

let eventTitle, eventUrl, ann, bob;

test('two musicians meet: sign up, create, find, join and chat live', async () => {
  ann = await newMusician('ann');
  bob = await newMusician('bob');
  await signUp(ann);

  // Ann creates an event with the date-time picker.
  eventTitle = `Sunday folk jam ${unique}`;
  await ann.page.getByText('+ New event').click();
  await ann.page.getByLabel('Title').fill(eventTitle);
  await ann.page.getByLabel('Date and time').fill('2031-06-01T18:30');
  await ann.page.getByLabel('Location').fill('Ballard Commons');
  await ann.page.getByLabel('Description').fill('Bring a fiddle');
  await ann.page.getByRole('button', {name: 'Create event'}).click();
  await ann.page.getByRole('heading', {name: eventTitle}).waitFor();
  eventUrl = ann.page.url();
  await ann.page.getByRole('heading', {name: 'Chat'}).waitFor();

  // Bob signs up, finds it by search and joins.
  await signUp(bob);
  await bob.page.getByLabel('Search').fill(`folk jam ${unique}`);
  await bob.page.getByRole('button', {name: 'Search'}).click();
  const card = bob.page.locator('.event', {hasText: eventTitle});
  await card.waitFor();
  assert.equal(await bob.page.locator('.event').count(), 1);
  await card.getByRole('button', {name: 'Join'}).click();
  await card.getByText("✓ You're going").waitFor();
  await card.getByText('2 musicians going').waitFor();
  await card.getByRole('link', {name: eventTitle}).click();
  await bob.page.getByRole('heading', {name: 'Chat'}).waitFor();

  // Ann writes; Bob sees it without reloading, and answers; Ann sees the answer.
  await send(ann.page, 'Hello from Ann');
  await messages(bob.page).filter({hasText: 'Hello from Ann'}).waitFor();
  await send(bob.page, 'Hi Ann, count me in');
  await messages(ann.page).filter({hasText: 'Hi Ann, count me in'}).waitFor();
  assert.equal(await messages(ann.page).count(), 2);

  // Bob reloads and is still signed in (the HttpOnly cookie), with the history.
  await bob.page.reload();
  await bob.page.getByRole('heading', {name: 'Chat'}).waitFor();
  await messages(bob.page).filter({hasText: 'Hello from Ann'}).waitFor();
  assert.equal(await bob.page.evaluate(() => document.cookie), '', 'the token is not readable by script');
});

test('a lost WebSocket reconnects by itself and shows what was sent meanwhile, once', async () => {
  const page = ann.page;
  let blocked = false;
  const pageSides = [];
  await page.routeWebSocket(/\/v1\/ws$/, (socket) => {
    if (blocked) return socket.close({code: 4000, reason: 'test: network down'});
    socket.connectToServer();
    pageSides.push(socket);
  });
  await page.reload();  // a fresh page, so its socket goes through the route
  await messages(page).filter({hasText: 'Hi Ann, count me in'}).waitFor();
  await page.waitForFunction(() => document.getElementById('banner').hidden);
  assert.ok(pageSides.length >= 1);

  blocked = true;
  for (const side of pageSides) await side.close({code: 4000, reason: 'test: dropped'});
  await page.getByText('Connection lost. Reconnecting…').waitFor();
  await send(bob.page, 'Sent while Ann was away 1');
  await send(bob.page, 'Sent while Ann was away 2');
  await messages(bob.page).filter({hasText: 'Sent while Ann was away 2'}).waitFor();
  blocked = false;

  await messages(page).filter({hasText: 'Sent while Ann was away 2'}).waitFor({timeout: 15000});
  await page.waitForFunction(() => document.getElementById('banner').hidden);
  for (const text of ['Sent while Ann was away 1', 'Sent while Ann was away 2', 'Hello from Ann'])
    assert.equal(await messages(page).filter({hasText: text}).count(), 1, `exactly one "${text}"`);
  // And live pushes flow again on the new socket.
  await send(bob.page, 'Back to normal');
  await messages(page).filter({hasText: 'Back to normal'}).waitFor();
});

test('a report reaches the admin, who deletes the message for everyone', async () => {
  // Ann is an admin (the users plugin's admins); Bob is not and sees no admin page.
  await ann.page.goto(eventUrl);
  await bob.page.goto(eventUrl);
  await ann.page.getByRole('link', {name: 'Admin'}).waitFor();
  assert.equal(await bob.page.getByRole('link', {name: 'Admin'}).isVisible(), false);
  await send(ann.page, 'Buy cheap strings at my shop');
  const reported = bob.page.locator('.message', {hasText: 'Buy cheap strings at my shop'});
  await reported.waitFor();
  bob.page.once('dialog', (dialog) => dialog.accept('advertising'));
  await reported.getByRole('button', {name: 'Report'}).click();
  await bob.page.getByText('Thanks: an admin will look at it.').waitFor();

  await ann.page.getByRole('link', {name: 'Admin'}).click();
  const open = ann.page.locator('.reports li', {hasText: 'Buy cheap strings at my shop'});
  await open.getByText('Reason: advertising').waitFor();
  await open.getByRole('button', {name: 'Delete it'}).click();
  await ann.page.getByText('No open reports.').waitFor();
  await ann.page.locator('.audit li', {hasText: 'report.delete'}).waitFor();
  // Gone from Bob's open chat without a reload (the delete is pushed).
  await reported.waitFor({state: 'detached'});
});

test('screenshots of every view at desktop and phone widths', async () => {
  for (const [label, viewport] of [['desktop', {width: 1280, height: 800}], ['phone', {width: 390, height: 844}]]) {
    const m = await newMusician(`shot${label}`, viewport);
    await m.page.goto(`${base}/#/signin`);
    await m.page.getByRole('heading', {name: 'Welcome back'}).waitFor();
    await m.page.screenshot({path: path.join(shots, `signin-${label}.png`)});
    await m.page.goto(`${base}/#/signup`);
    await m.page.getByRole('button', {name: 'Create my account'}).click();  // empty: errors next to fields
    await m.page.getByText('Enter your email address, like name@example.org.').waitFor();
    await m.page.screenshot({path: path.join(shots, `signup-errors-${label}.png`), fullPage: true});
    await signUp(m);
    await m.page.getByText('+ New event').click();
    await m.page.screenshot({path: path.join(shots, `events-${label}.png`), fullPage: true});
    const card = m.page.locator('.event', {hasText: eventTitle});
    await card.getByRole('button', {name: 'Join'}).click();
    await card.getByText("✓ You're going").waitFor();  // joined before the chat is opened
    await m.page.goto(eventUrl);
    await messages(m.page).filter({hasText: 'Back to normal'}).waitFor();
    await m.page.screenshot({path: path.join(shots, `event-chat-${label}.png`), fullPage: true});
    await m.page.goto(`${base}/#/my-events`);
    await m.page.locator('.event').first().waitFor();
    await m.page.screenshot({path: path.join(shots, `my-events-${label}.png`), fullPage: true});
    await m.page.goto(`${base}/#/profile`);
    await m.page.getByRole('heading', {name: 'Your profile'}).waitFor();
    await m.page.screenshot({path: path.join(shots, `profile-${label}.png`), fullPage: true});
    await m.context.close();
  }
});

test('profile names persist, and signing out returns to sign-in', async () => {
  const page = bob.page;
  await page.goto(`${base}/#/profile`);
  await page.getByLabel('First name').fill('Robert');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByText('Saved.').waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('First name').inputValue(), 'Robert');
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('heading', {name: 'Welcome back'}).waitFor();
  assert.match(page.url(), /#\/signin$/);
  await page.reload();
  await page.getByRole('heading', {name: 'Welcome back'}).waitFor();  // really signed out
  // A wrong password reads as people read it.
  await page.getByLabel('Email').fill(bob.email);
  await page.getByLabel('Password').fill('not-my-password');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByText('That email and password do not match an account.').waitFor();
});
