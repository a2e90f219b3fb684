// Live behaviour: changes appear by themselves through the server's events, or by polling
// with ETags when events cannot get through; when the server goes away the page keeps what
// it had, says how old it is, and recovers by itself when the server comes back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, waitForWorking, minutesFromNow, screenshot, UK_TIME } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ roles: ['support', 'prober'] });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

function notice(title, extra = {}) {
  return api(server, 'POST', '/api/v1/notices', {
    token: server.tokens.support,
    body: {
      title,
      body: 'Posted by a test.\n\nSecond paragraph: <b>not bold</b>.',
      kind: 'known_problem',
      severity: 'medium',
      services: ['form-r'],
      starts_at: minutesFromNow(-1),
      audience: 'everyone',
      published: true,
      ...extra,
    },
  });
}

test('a notice posted by support appears on an open page by itself, as plain text', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  await page.locator('.updated', { hasText: 'Changes appear here by themselves.' }).waitFor();
  await notice('Form R is slow this morning');
  const card = page.locator('.notice', { hasText: 'Form R is slow this morning' });
  await card.waitFor();
  // What support typed is shown as text, never as markup.
  assert.equal(await card.locator('b').count(), 0);
  assert.match(await card.innerText(), /Second paragraph: <b>not bold<\/b>\./);
  assert.deepEqual(page.errors, []);
});

test('when events cannot get through, the page polls with ETags and still sees changes', async () => {
  const page = await chrome.page();
  await page.route('**/api/v1/events', (route) => route.abort());
  const notModified = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/notices?state=active') && r.status() === 304) {
      notModified.push(r.request().headers()['if-none-match']);
    }
  });
  await page.goto(`${server.url}/notices`);
  await page.locator('.notice').first().waitFor();
  await page.locator('.updated', { hasText: 'This page checks for changes every 15 seconds.' }).waitFor();
  // Nothing changed: the page asks with the ETag it has, and nothing is sent back.
  await page.waitForResponse((r) => r.url().endsWith('/api/v1/notices?state=active') && r.status() === 304);
  assert.ok(notModified.length > 0 && notModified.every((tag) => /^"[0-9a-f]+(-br|-gz)?"$/.test(tag)), notModified.join(', '));
  await notice('Polling finds this notice');
  await page.locator('.notice-title', { hasText: 'Polling finds this notice' }).waitFor();
});

test('when the server goes away the page keeps its data, says how old it is, and recovers', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  await page.locator('.updated', { hasText: 'Changes appear here by themselves.' }).waitFor();

  await server.pause();
  const warning = page.locator('.conn-status .stale');
  await warning.waitFor();
  assert.match(await warning.innerText(), new RegExp(String.raw`We cannot reach the status server right now\. This page shows what we knew as of ${UK_TIME}, (just now|\d+ minutes? ago)\.`));
  assert.match(await warning.innerText(), /(We will try again in \d+ seconds\.|We are trying again now\.)/);
  assert.equal(await page.locator('.conn-status').getAttribute('role'), 'status');
  // What the page knew is still there.
  assert.equal(await page.locator('.service-name').count(), 10);
  assert.equal(await page.locator('.service[data-service="sign-in"] .status-label').innerText(), 'Working');
  await screenshot(page, 'overview-server-away');

  await server.resume();
  await warning.waitFor({ state: 'detached' });
  await page.locator('.updated', { hasText: /just now/ }).waitFor();
  await page.locator('.updated', { hasText: 'Changes appear here by themselves.' }).waitFor();
  await notice('Back and live again');
  await page.locator('.notice-title', { hasText: 'Back and live again' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('a first visit while the API is down shows the status the page came with and says the server cannot be reached', async () => {
  const page = await chrome.page();
  await page.route('**/api/**', (route) => route.abort());
  await page.goto(server.url);
  // The page itself carried the status, so the reader has it although no answer comes.
  await waitForWorking(page);
  const warning = page.locator('.conn-status .stale');
  await warning.waitFor();
  assert.match(await warning.innerText(), new RegExp(String.raw`We cannot reach the status server right now\. This page shows what we knew as of ${UK_TIME}, (just now|1 minute ago)\.`));
  assert.equal(await page.locator('.service-name').count(), 10);
  await page.unroute('**/api/**');
  await warning.getByRole('button', { name: 'Try again now' }).click();
  await warning.waitFor({ state: 'detached' });
  assert.equal(await page.locator('.error-summary').count(), 0);
});

test('a first visit to a page with nothing to show while the API is down says so plainly, then shows it once it is back', async () => {
  const page = await chrome.page();
  await page.route('**/api/**', (route) => route.abort());
  await page.goto(`${server.url}/notices`);
  const plain = page.locator('.error-summary');
  await plain.waitFor();
  assert.equal(await plain.locator('h2').innerText(), 'We cannot show notices right now');
  assert.match(await plain.innerText(), /We cannot reach the status server right now\./);
  assert.match(await plain.innerText(), /This is a problem with this status page\. It does not mean that TIS is down\./);
  assert.equal(await plain.getAttribute('role'), 'alert');
  await screenshot(page, 'notices-first-visit-api-down');
  await page.unroute('**/api/**');
  await plain.getByRole('button', { name: 'Try again now' }).click();
  await page.locator('.error-summary').waitFor({ state: 'detached' });
});

test('the last data is kept in the browser and shown with its age when the API cannot be reached', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  await page.route('**/api/**', (route) => route.abort());
  await page.reload();
  // At once, from what the browser kept.
  await waitForWorking(page);
  const warning = page.locator('.conn-status .stale');
  await warning.waitFor();
  assert.match(await warning.innerText(), new RegExp(String.raw`This page shows what we knew as of ${UK_TIME}, (just now|1 minute ago)\.`));
  assert.equal(await page.locator('.service-name').count(), 10);
});

test('a service whose dependency fails is shown as affected, with the reason, without a reload', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  await page.locator('.updated', { hasText: 'Changes appear here by themselves.' }).waitFor();
  // Sign-in's check fails every 2 seconds for the next four minutes: more often than the
  // demo's own check succeeds, so sign-in stays down.
  const results = [];
  for (let s = 0; s < 240; s += 2) {
    results.push({
      probe: 'sign-in/1', service: 'sign-in', at: new Date(Date.now() + s * 1000).toISOString(),
      ok: false, latency_ms: 3000, error_kind: 'timeout', detail: 'no answer in 3 seconds',
    });
  }
  await api(server, 'POST', '/api/v1/probe-results', { token: server.tokens.prober, body: { results } });
  await page.locator('h1', { hasText: 'Some services are not working' }).waitFor();
  assert.equal(await page.locator('.service[data-service="sign-in"] .status-label').innerText(), 'Down');
  assert.equal(await page.locator('.service[data-service="sign-in"] .status-symbol').innerText(), '✕');
  assert.equal(await page.locator('.service[data-service="bulk-upload"] .service-reason').innerText(), 'Down because Sign-in is down.');
  await screenshot(page, 'overview-sign-in-down');
});
