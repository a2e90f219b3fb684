// The overview page, in a real Chromium against the real server and the built app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, startBrowser, artifacts } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

const demoServices = [
  'Sign-in', 'TIS admin site', 'Bulk upload', 'Revalidation', 'Reference data',
  'TIS Self-Service', 'Form R', 'Emails and notifications', 'ESR integration', 'Data exports',
];

test('the overview lists every demo service by group with its live status in words', async () => {
  const page = await chrome.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);

  // The demo estate answers within a probe interval; the page refreshes by itself.
  await page.locator('.service[data-service="sign-in"] .status-label', { hasText: 'Working' })
    .waitFor({ timeout: 45_000 });
  await page.locator('h1', { hasText: 'All services are working' }).waitFor({ timeout: 45_000 });

  const names = await page.locator('.service-name').allTextContents();
  assert.deepEqual(names, demoServices);
  const groups = await page.locator('.group h2').allTextContents();
  assert.deepEqual(groups, ['Sign-in', 'For admins', 'For trainees', 'Integrations']);
  const labels = await page.locator('.service .status-label').allTextContents();
  assert.deepEqual(labels, demoServices.map(() => 'Working'));
  // Each status has a symbol as well as a colour.
  const symbols = await page.locator('.service .status-symbol').allTextContents();
  assert.ok(symbols.every((s) => s === '✓'), `symbols: ${symbols}`);
  assert.match(await page.locator('.demo-banner').innerText(), /Demo data/);
  assert.equal(await page.title(), 'Live status – TIS Status');

  await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });
  assert.deepEqual(errors, [], 'the page threw errors');
});

test('a client-side route opened directly gets the app, and an unknown one a helpful page', async () => {
  const page = await chrome.browser.newPage();
  const response = await page.goto(`${server.url}/no-such-page`);
  assert.equal(response.status(), 200);
  await page.locator('h1', { hasText: 'Page not found' }).waitFor();
  assert.equal(await page.title(), 'Page not found – TIS Status');
  await page.screenshot({ path: join(artifacts, 'not-found.png') });
});
