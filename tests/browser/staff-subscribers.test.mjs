// /manage/subscribers: support and editors see how many people get emails about each
// service and no address; an admin finds an address (the whole address only), sees its
// choices, and removes it after saying yes to a question. The
// subscribers are made the way readers make them: the API, then the link in the email
// a real SMTP server (aiosmtpd) on 127.0.0.1 took.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startBrowser, signIn, staffGet, api, accessibilityProblems, PATIENCE } from './harness.mjs';

let dir;
let smtp;
let server;
let chrome;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function mails() {
  const box = join(dir, 'mail', 'new');
  if (!existsSync(box)) return [];
  return readdirSync(box).map((f) => readFileSync(join(box, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
}

/** The token in the confirmation email to `address`; checking again is waiting for it. */
async function confirmationTo(address) {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const mail = mails().find((m) => m.includes(`To: ${address}`));
    const token = mail && /subscriptions\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(mail);
    if (token) return token[1];
    if (Date.now() > deadline) throw new Error(`no confirmation email to ${address}`);
    await new Promise((r) => { setTimeout(r, 200); });
  }
}

async function subscribe(email, services, kinds, { confirmed }) {
  await api(server, 'POST', '/api/v1/subscriptions', { body: { email, services, kinds } });
  if (confirmed) {
    const token = await confirmationTo(email);
    await api(server, 'POST', '/api/v1/subscriptions/confirm', { body: { token } });
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tis-status-subscribers-'));
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
public_url = "https://status.example.nhs.uk"

[smtp]
host = "127.0.0.1"
port = ${smtpPort}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
send_rate = "600/min"
${services}`);
  server = await startServer({ config, accounts: { ada: 'admin', sam: 'support', eve: 'editor' } });
  await subscribe('sam.jones@example.nhs.uk', ['bulk-upload'], ['incidents'], { confirmed: true });
  await subscribe('priya@example.nhs.uk', [], ['incidents', 'maintenance'], { confirmed: true });
  await subscribe('lee@example.nhs.uk', ['esr'], ['incidents'], { confirmed: false });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
  smtp?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The cells of the counts table's row for `service`. */
async function row(page, service) {
  const cells = page.locator('table.subscriber-counts tbody tr').filter({ hasText: service }).locator('td');
  return cells.allInnerTexts();
}

test('support sees how many get emails about each service, and no address', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.getByRole('link', { name: 'Email subscribers', exact: true }).click();
  await page.getByRole('heading', { name: 'Email subscribers', level: 1 }).waitFor();
  await page.getByText('2 confirmed subscribers').waitFor();
  await page.getByText('1 address waiting for them to confirm').waitFor();
  await page.getByText(/waiting to be sent, at most 600 emails a minute/).waitFor();
  await page.getByText('1 subscriber about all of TIS: 1 for problems, 1 for planned maintenance').waitFor();
  // Chose it, told about it (with all of TIS), of them problems, of them maintenance.
  assert.deepEqual(await row(page, 'Bulk upload'), ['1', '2', '2', '1']);
  assert.deepEqual(await row(page, 'ESR integration'), ['0', '1', '1', '1'], 'Lee never confirmed');
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /@/, 'no address on the page');
  assert.equal(await page.getByRole('heading', { name: 'Find an address' }).count(), 0, 'admins only');
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an editor sees the numbers too, and cannot look up an address', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eve');
  await page.goto(`${server.url}/manage/subscribers`);
  await page.getByText('2 confirmed subscribers').waitFor();
  assert.deepEqual(await row(page, 'Bulk upload'), ['1', '2', '2', '1']);
  assert.doesNotMatch(await page.locator('main').innerText(), /@/, 'no address on the page');
  assert.equal(await page.getByRole('heading', { name: 'Find an address' }).count(), 0, 'admins only');
  assert.equal(await page.getByLabel('Email address').count(), 0);
  // Nor through the API with the session's own CSRF token: the role is what refuses it.
  const { body: session } = await staffGet(page, server.url, '/api/v1/session');
  const refused = await page.request.post(`${server.url}/api/v1/subscribers/lookup`, {
    data: { email: 'sam.jones@example.nhs.uk' },
    headers: { 'x-csrf-token': session.csrf_token },
  });
  assert.equal(refused.status(), 403);
  assert.doesNotMatch(await refused.text(), /Bulk upload|confirmed_at/, 'nothing about the address');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an admin finds an address, sees its choices and removes it', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'ada');
  await page.goto(`${server.url}/manage/subscribers`);
  await page.getByText('2 confirmed subscribers').waitFor();

  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('alert').getByText('Enter the email address to look for.').waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByLabel('Email address').fill('nobody@example.nhs.uk');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('nobody@example.nhs.uk gets no emails from us.').waitFor();

  // Only the whole address matches: part of one finds nothing.
  await page.getByLabel('Email address').fill('sam.jones@example');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('sam.jones@example gets no emails from us.').waitFor();
  await page.getByLabel('Email address').fill('jones@example.nhs.uk');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('jones@example.nhs.uk gets no emails from us.').waitFor();
  assert.equal(await page.locator('dl.summary-list').count(), 0);

  await page.getByLabel('Email address').fill('Sam.Jones@example.nhs.uk');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('Sam.Jones@example.nhs.uk gets emails from us.').waitFor();
  const found = page.locator('dl.summary-list');
  await found.getByText(/^Confirmed on .*(GMT|BST)/).waitFor();
  await found.getByText('Bulk upload', { exact: true }).waitFor();
  await found.getByText('Problems with TIS, and when they are fixed').waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);

  // Remove asks first; "No" keeps the address.
  await page.getByRole('button', { name: 'Remove Sam.Jones@example.nhs.uk' }).click();
  const question = page.getByRole('alert').filter({ hasText: 'Remove Sam.Jones@example.nhs.uk?' });
  await question.getByText('It cannot be undone').waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('button', { name: 'No, keep it' }).click();
  await page.getByRole('button', { name: 'Remove Sam.Jones@example.nhs.uk' }).waitFor();
  assert.equal(await question.count(), 0);
  const { body: kept } = await staffGet(page, server.url, '/api/v1/subscribers');
  assert.equal(kept.confirmed, 2, 'nothing removed by No');

  await page.getByRole('button', { name: 'Remove Sam.Jones@example.nhs.uk' }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.getByText('Removed Sam.Jones@example.nhs.uk. It gets no more emails from us.').waitFor();
  // Counted again: only Priya is left.
  await page.getByText('1 confirmed subscriber', { exact: true }).waitFor();
  assert.deepEqual(await row(page, 'Bulk upload'), ['0', '1', '1', '1']);

  await page.getByLabel('Email address').fill('sam.jones@example.nhs.uk');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('sam.jones@example.nhs.uk gets no emails from us.').waitFor();
  const { body: counts } = await staffGet(page, server.url, '/api/v1/subscribers');
  assert.equal(counts.confirmed, 1);
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});
