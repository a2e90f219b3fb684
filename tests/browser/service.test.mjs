// A service's own page: what it is for, its status and why, uptime for 90 days or a
// year, response times, how we check it, and the incidents and maintenance that touched it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, waitForTrends, screenshot, UK_TIME } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
  // The uptime strips are read as a reader sees them once the server has its trends.
  await waitForTrends(server);
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

async function open(path) {
  const page = await chrome.page();
  await page.goto(`${server.url}${path}`);
  await page.locator('.service-now .status-label', { hasText: 'Working' }).waitFor();
  return page;
}

test('the service page says what it is for, its status, what it needs and how we check it', async () => {
  const page = await open('/services/bulk-upload');
  assert.equal(await page.locator('h1').innerText(), 'Bulk upload');
  assert.equal(await page.title(), 'Bulk upload – TIS Status');
  assert.equal(await page.locator('.lede').innerText(), 'Upload a spreadsheet to add or update many people, placements or assessments at once.');
  assert.match(await page.locator('.service-checked').innerText(), new RegExp(String.raw`^Last checked ${UK_TIME}$`));
  assert.equal(await page.locator('.needs').innerText(), 'Bulk upload needs Sign-in to work.');
  assert.equal(await page.locator('.needs a').getAttribute('href'), '/services/sign-in');
  const probes = await page.locator('.probes li').allTextContents();
  assert.deepEqual(probes, [
    'We ask Bulk upload whether it is healthy, every 10 seconds.',
    'We sign in the way Bulk upload does, then call it, every 10 seconds.',
  ]);
  assert.deepEqual(page.errors, []);
});

test('uptime shows 90 days, or 12 months on request, with the percentage and how it is worked out', async () => {
  const page = await open('/services/sign-in');
  const strip = page.locator('.strip');
  // A server just started works out its first trends a moment after it starts.
  await strip.locator('.strip-text', { hasText: /^\d{1,3}(\.\d{1,2})?% uptime\. / }).waitFor();
  assert.equal(await strip.locator('rect').count(), 90);
  // The demo comes with 90 days of past checks: there is a figure, not "No uptime figure yet".
  assert.match(await strip.locator('.strip-text').innerText(), /^\d{1,3}(\.\d{1,2})?% uptime\. (No problems|In) the last 90 days/);
  assert.match(await page.getByText('Uptime is the share of the time we could check Sign-in').innerText(), /slow counts as up/);
  assert.equal(await page.getByRole('link', { name: 'How we work out uptime' }).getAttribute('href'), '/about#uptime');

  await page.getByRole('button', { name: 'Show the last 12 months' }).click();
  await page.locator('.strip rect').nth(364).waitFor();
  assert.equal(await page.locator('.strip rect').count(), 365);
  assert.equal(await page.locator('.strip-ends span').first().innerText(), '365 days ago');
  await page.locator('.alternative summary', { hasText: 'Show the uptime of Sign-in as a table' }).click();
  assert.equal(await page.locator('table', { hasText: 'Uptime of Sign-in, day by day' }).locator('tbody tr').count(), 365);

  await page.getByRole('button', { name: 'Show the last 90 days' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.strip rect').length === 90);
});

test('response times are drawn and given as a table', async () => {
  const page = await open('/services/sign-in');
  const chart = page.locator('figure.chart');
  await chart.waitFor();
  assert.match(await chart.locator('figcaption').innerText(), /Typical \(median\) and slowest 1 in 20/);
  // The probes answer within seconds, so at least one 5-minute spell has a time.
  await page.locator('.alternative summary', { hasText: 'Show the response times of Sign-in as a table' }).click();
  const table = page.locator('table', { hasText: 'Response times of Sign-in, every 5 minutes' });
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['Starting', 'Typical response', 'Slowest 1 in 20', 'Checks', 'Failed checks']);
  const typical = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(typical.some((t) => /^\d+ ms$/.test(t)), `typical response times: ${typical.join(' | ')}`);
  await screenshot(page, 'service-sign-in-tables');
});

test('incidents and planned maintenance that touched the service are listed', async () => {
  const page = await open('/services/bulk-upload');
  const incidents = page.locator('.incident-card .incident-title');
  await incidents.first().waitFor();
  assert.deepEqual(await incidents.allTextContents(), ['Bulk upload and ESR integration stopped working']);

  const admin = await open('/services/admin-site');
  await admin.locator('.notice-title').first().waitFor();
  assert.deepEqual(await admin.locator('.notice-title').allTextContents(), ['TIS admin site unavailable on Saturday 16 January 2027, 8am to 11am']);
  assert.deepEqual(await admin.locator('.incident-card .incident-title').allTextContents(), ['Nobody could sign in to TIS']);
});

test('an unknown service gets a page that says so and where to go', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/services/no-such-service`);
  await page.locator('h1', { hasText: 'Service not found' }).waitFor();
  assert.equal(await page.title(), 'Service not found – TIS Status');
  assert.equal(await page.getByRole('link', { name: 'See the status of all TIS services' }).getAttribute('href'), '/');
});
