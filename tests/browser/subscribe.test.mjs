// "Get emails about TIS problems": the form on the public pages, in the app and with
// JavaScript off, against a real SMTP server (aiosmtpd) on 127.0.0.1; the links in the
// email it sends; axe on every page of the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startBrowser, accessibilityProblems, screenshot, PATIENCE } from './harness.mjs';

const PUBLIC = 'https://status.example.nhs.uk';
let dir;
let smtp;
let server;
let chrome;

/** A free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Every message aiosmtpd has taken, as text with quoted-printable soft breaks undone. */
function mails() {
  const box = join(dir, 'mail', 'new');
  if (!existsSync(box)) return [];
  return readdirSync(box).map((f) => readFileSync(join(box, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

/** Waits for a message to `address` whose subject is `subject`; checking again is waiting for it. */
async function mailTo(address, subject) {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const found = mails().find((m) => m.includes(`To: ${address}`) && m.includes(`Subject: ${subject}`));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${address}; have ${mails().length}`);
    await new Promise((r) => { setTimeout(r, 200); });
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tis-status-subscribe-'));
  const smtpPort = await freePort();
  smtp = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Mailbox', join(dir, 'mail')], { stdio: 'ignore' });
  const probePort = await freePort();
  const services = [['bulk-upload', 'Bulk upload'], ['esr', 'ESR integration']].map(([id, name]) => `
[[service]]
id = "${id}"
name = "${name}"
group = "For admins"
description = "Used by admins."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = ${probePort}
interval = "30s"
timeout = "2s"
`).join('');
  const config = join(dir, 'tis.toml');
  writeFileSync(config, `[server]
public_url = "${PUBLIC}"

[smtp]
host = "127.0.0.1"
port = ${smtpPort}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
${services}`);
  server = await startServer({ config });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
  smtp?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('in the app, the form says what is wrong, then "Check your email", and the email comes', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Get emails about TIS problems' }).click();
  await page.waitForURL('**/subscribe');
  await page.getByRole('heading', { level: 1, name: 'Get emails about TIS problems' }).waitFor();
  await page.getByRole('checkbox', { name: 'Bulk upload' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByLabel('Email address').fill('not an address');
  await page.getByRole('button', { name: 'Get emails' }).click();
  const problems = page.getByRole('alert');
  await problems.getByText('Enter an email address in the right form').waitFor();
  assert.equal(await page.getByRole('heading', { name: 'There is a problem' }).count(), 1);
  assert.equal(page.url(), `${server.url}/subscribe`, 'no page load: the app showed it');
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByLabel('Email address').fill('alex.app@example.nhs.uk');
  await page.getByRole('checkbox', { name: 'Bulk upload' }).check();
  await page.getByRole('checkbox', { name: /^Planned maintenance/ }).uncheck();
  await page.getByRole('button', { name: 'Get emails' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);
  await screenshot(page, 'subscribe-app-sent');

  const mail = await mailTo('alex.app@example.nhs.uk', 'Confirm that you want emails about TIS');
  assert.match(mail, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
  await page.context().close();
});

/**
 * axe on a page open with JavaScript off, which axe cannot run in: the same HTML, put in
 * a page of a context that runs scripts.
 */
async function problemsOf(page) {
  const { context } = await chrome.open();
  const copy = await context.newPage();
  await copy.setContent(await page.content());
  const problems = await accessibilityProblems(copy);
  await context.close();
  return problems;
}

test('with JavaScript off, the form posts and answers with pages, and the email\'s links work', async () => {
  const page = await chrome.page({ javaScriptEnabled: false });
  await page.goto(`${server.url}/subscribe`);
  assert.deepEqual(await problemsOf(page), []);
  await page.getByLabel('Email address').fill('sam');
  await page.getByRole('button', { name: 'Get emails' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await page.title(), /^Error: /);
  assert.equal(await page.getByLabel('Email address').inputValue(), 'sam', 'what was typed is kept');
  assert.deepEqual(await problemsOf(page), []);

  await page.getByLabel('Email address').fill('sam.nojs@example.nhs.uk');
  await page.getByRole('checkbox', { name: 'ESR integration' }).check();
  await page.getByRole('button', { name: 'Get emails' }).click();
  await page.waitForURL('**/subscribe/sent');
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  assert.deepEqual(await problemsOf(page), []);

  const mail = await mailTo('sam.nojs@example.nhs.uk', 'Confirm that you want emails about TIS');
  const link = mail.match(/https:\/\/status\.example\.nhs\.uk\/subscriptions\/confirm\?token=[A-Za-z0-9_-]{43}/)[0];
  await page.goto(link.replace(PUBLIC, server.url));
  assert.deepEqual(await problemsOf(page), []);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { level: 1, name: 'You will now get emails' }).waitFor();
  assert.match(await page.locator('main').innerText(), /Services: ESR integration\./);
  assert.deepEqual(await problemsOf(page), []);

  await page.getByRole('link', { name: 'See or stop your emails' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your emails from TIS Status' }).waitFor();
  assert.deepEqual(await problemsOf(page), []);
  await page.getByRole('button', { name: 'Stop all emails and delete my address' }).click();
  await page.getByRole('heading', { level: 1, name: 'You will get no more emails' }).waitFor();
  assert.deepEqual(await problemsOf(page), []);
  await screenshot(page, 'subscribe-no-javascript-unsubscribed');
  await page.context().close();
});
