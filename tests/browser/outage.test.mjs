// Holding up in an outage: the status is in the page itself (readable with scripts off,
// and taken over by the app without anything moving), and a reload while the server
// cannot be reached still shows the last-known status, with its age.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, waitForWorking, screenshot, UK_TIME } from './harness.mjs';

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

test('with JavaScript off, the overview says every service\'s status in words, and its links work', async () => {
  const page = await chrome.page({ javaScriptEnabled: false });
  // Without scripts the page changes only when reloaded: reload until the demo's first
  // checks are in, as a reader would.
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.goto(server.url);
    const working = page.locator('.service[data-service="sign-in"] .status-label', { hasText: 'Working' });
    if (await working.count() === 1) break;
    assert.ok(Date.now() < deadline, 'the demo\'s checks came in within a minute');
    await page.waitForTimeout(1000);
  }
  const rows = page.locator('.service');
  assert.equal(await rows.count(), 10);
  for (const row of await rows.all()) {
    const name = await row.locator('.service-name').innerText();
    const status = await row.locator('.status-label').innerText();
    assert.match(status, /^(Working|Slow|Partly down|Down|Planned maintenance|Not known)$/i, `${name}: ${status}`);
  }
  assert.ok((await page.locator('h1.headline').innerText()).length > 0, 'a headline');
  assert.match(await page.locator('.updated').innerText(), new RegExp(String.raw`^Updated at ${UK_TIME} on \w+day \d{1,2} \w+ \d{4}\.`));
  assert.equal(await page.locator('noscript').count(), 0, 'no "needs JavaScript" notice');
  await screenshot(page, 'overview-no-javascript');

  await page.locator('.service[data-service="bulk-upload"] .service-name a').click();
  await page.waitForURL('**/services/bulk-upload');
  assert.equal(await page.locator('h1').innerText(), 'Bulk upload');
  assert.match(await page.locator('main .status-label').innerText(), /\w/);
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await page.waitForURL('**/incidents');
  const first = page.locator('.incident-card .incident-title a').first();
  const title = await first.innerText();
  await first.click();
  await page.waitForURL(/\/incidents\/\d+$/);
  assert.equal(await page.locator('main h1').innerText(), title);
  const stage = await page.locator('main .incident-meta .tag').innerText();
  assert.ok(stage.trim().length > 1, `its stage in words: ${stage}`);
  assert.match(await page.locator('main .incident-meta .impact').innerText(), /impact$/);
  await page.context().close();
});

test('the app takes over the server\'s page without anything on it moving', async () => {
  const page = await chrome.page();
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__shifts.push(entry.value);
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(server.url);
  await waitForWorking(page);
  // The app's own copy is the one on screen now: it says how it stays current.
  await page.locator('#tis-app .updated .how-live').waitFor();
  assert.equal(await page.locator('.service-name').count(), 10);
  const shift = await page.evaluate(() => window.__shifts.reduce((a, b) => a + b, 0));
  assert.ok(shift < 0.01, `cumulative layout shift ${shift}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a reload while the server is stopped shows the last-known status, with its age', async () => {
  const page = await chrome.page({ serviceWorkers: 'allow' });
  await page.goto(server.url);
  await waitForWorking(page);
  // The worker has kept the app's files and controls the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await server.pause();
  try {
    await page.reload();
    await waitForWorking(page);
    assert.equal(await page.locator('.service-name').count(), 10);
    const warning = page.locator('.conn-status .stale');
    await warning.waitFor();
    const words = await warning.innerText();
    assert.match(words, /we cannot reach the status server right now/i);
    assert.match(words, new RegExp(String.raw`This page shows what we knew as of ${UK_TIME}, (just now|\d+ minutes? ago)\.`));
    // Never shown as fresh: no "Updated" line while the server is away.
    assert.equal(await page.locator('.updated').count(), 0);
    await screenshot(page, 'overview-reload-server-stopped');
  } finally {
    await server.resume();
  }
  await page.locator('.conn-status .stale').waitFor({ state: 'detached' });
  await page.context().close();
});

test('when the server turns live updates away, the page checks for changes instead, with no error shown', async () => {
  const page = await chrome.page();
  await page.route('**/api/v1/events', (route) => route.fulfill({
    status: 503,
    headers: { 'retry-after': '30', 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: '/problems/unavailable', title: 'Not available right now', status: 503, detail: 'Too many pages are following live updates right now.' }),
  }));
  await page.goto(server.url);
  await waitForWorking(page);
  await page.locator('.updated', { hasText: 'This page checks for changes every 15 seconds.' }).waitFor();
  // It asks again by itself, with the ETag of the copy it has.
  await page.waitForResponse((r) => r.url().endsWith('/api/v1/summary')
    && r.request().headers()['if-none-match'] !== undefined && r.status() < 400);
  assert.equal(await page.locator('.error-summary, .conn-status .stale').count(), 0);
  await page.context().close();
});
