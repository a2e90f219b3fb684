// The overview, as a TIS user sees it: in a real Chromium against the real server with
// the demo data, loaded the way a first visit loads it (the overview-only build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, minutesFromNow, waitForTrends, waitForWorking, screenshot, UK_TIME } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ roles: ['support'] });
  chrome = await startBrowser();
  // The uptime strips are read as a reader sees them once the server has its trends.
  await waitForTrends(server);
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

const demoServices = [
  'Sign-in', 'TIS admin site', 'Bulk upload', 'Revalidation', 'Reference data',
  'TIS Self-Service', 'Form R', 'Emails and notifications', 'ESR integration', 'Data exports',
];

test('the overview says in one sentence how TIS is, then every service by group in words', async () => {
  const page = await chrome.page();
  const loaded = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto(server.url);
  await waitForWorking(page);
  await page.locator('h1', { hasText: 'All services are working' }).waitFor();

  assert.deepEqual(await page.locator('.service-name').allTextContents(), demoServices);
  assert.deepEqual(await page.locator('.group h2').allTextContents(), ['Sign-in', 'For admins', 'For trainees', 'Integrations']);
  assert.deepEqual(await page.locator('.service .status-label').allTextContents(), demoServices.map(() => 'Working'));
  // Each status has a symbol as well as a colour.
  assert.deepEqual(await page.locator('.service .status-symbol').allTextContents(), demoServices.map(() => '✓'));
  assert.match(await page.locator('.demo-banner').innerText(), /Demo data/);
  assert.match(await page.locator('.service[data-service="sign-in"] .service-checked').innerText(), new RegExp(String.raw`^Last checked ${UK_TIME}$`));
  assert.match(await page.locator('.updated').innerText(), new RegExp(String.raw`^Updated ${UK_TIME}, just now\. Changes appear here by themselves\.$`));
  assert.equal(await page.title(), 'Live status – TIS Status');
  // A first visit to "/" loads the overview alone, not the whole app.
  assert.ok(loaded.some((p) => p.startsWith('/tis-status-first-view')), loaded.join(' '));
  assert.ok(!loaded.some((p) => /^\/tis-status-app-/.test(p)), loaded.join(' '));
  assert.deepEqual(page.errors, []);
});

test('each service has a 90-day uptime strip and a latency line, in words and as tables', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  const row = page.locator('.service[data-service="bulk-upload"]');
  // A server just started works out its first trends from the stored days a moment
  // after it starts; the open page shows them as they come.
  await row.locator('.strip-text', { hasText: /^\d{1,3}(\.\d{1,2})?% uptime\. / }).waitFor();
  const bars = await row.locator('.strip-bars rect').evaluateAll((rects) => rects.map((rect) => rect.classList[1]));
  assert.equal(bars.length, 90);
  // The demo comes with 90 days of past checks, so every day before today was checked
  // and there is a figure (today's bar may wait for its first trends); the words say
  // what the bars show.
  assert.ok(!bars.slice(0, -1).includes('day-none'), `days drawn: ${bars.join(' ')}`);
  const count = (verdict) => bars.filter((b) => b === `day-${verdict}`).length;
  const strip = await row.locator('.strip-text').innerText();
  assert.match(strip, /^\d{1,3}(\.\d{1,2})?% uptime\. /);
  const dayWord = (n) => (n === 1 ? '1 day' : `${n} days`);
  const problems = [['down', 'down on'], ['degraded', 'slow on'], ['none', 'not checked on']]
    .filter(([verdict]) => count(verdict) > 0)
    .map(([verdict, words]) => `${words} ${dayWord(count(verdict))}`);
  const list = problems.length > 1 ? `${problems.slice(0, -1).join(', ')} and ${problems.at(-1)}` : problems[0];
  assert.ok(strip.includes(problems.length === 0 ? ' No problems in the last 90 days.' : ` In the last 90 days: ${list}.`), strip);
  assert.equal(/ The worst day was \w+day \d{1,2} \w+ \d{4}: down for .+\.$/.test(strip), count('down') > 0, strip);
  // The probes have answered, and yesterday's checks came with the demo.
  assert.match(await row.locator('.spark-text').innerText(),
    /^Typical response time over the last 24 hours: (\d+ ms|between \d+ ms and \d+ ms)\. In the hour from (\d{1,2}(:\d\d)?[ap]m|midnight|midday) it was \d+ ms\.$/);
  // The charts are drawn for the eye only; their facts are in the words and tables.
  assert.equal(await row.locator('.strip-bars').getAttribute('aria-hidden'), 'true');

  // The tables open from the keyboard.
  const toggle = row.locator('.alternative summary');
  assert.match(await toggle.innerText(), /Show the uptime and response times of Bulk upload as tables/);
  await toggle.focus();
  await page.keyboard.press('Enter');
  const days = row.locator('table').first();
  await days.waitFor();
  assert.equal(await days.locator('caption').innerText(), 'Uptime of Bulk upload, day by day');
  assert.equal(await days.locator('tbody tr').count(), 90);
  assert.match(await days.locator('tbody tr').first().locator('th').innerText(), /^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}$/);
  const hours = row.locator('table').nth(1);
  assert.equal(await hours.locator('caption').innerText(), 'Response times of Bulk upload, hour by hour');
  assert.ok(await hours.locator('tbody tr').count() >= 1);
  await screenshot(page, 'overview-tables-open');
});

test('active incidents show their latest update and when the next one is due', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  const card = page.locator('.current-incidents .incident-card');
  assert.equal(await card.count(), 1);
  assert.equal(await card.locator('.incident-title').innerText(), 'Emails from TIS are arriving late');
  assert.match(await card.locator('.tag').innerText(), /Fix in place, watching/);
  assert.match(await card.locator('.update-when').innerText(), /^Latest update, 9:30am GMT on Tuesday 24 November 2026:$/);
  assert.match(await card.locator('.latest-update').innerText(), /Our email provider has raised our limit/);
  assert.equal(await card.locator('.next-update').innerText(), 'Next update by 10am GMT on Tuesday 5 January 2027');
  assert.match(await card.locator('.facts').innerText(), /Affects\s+Emails and notifications/);
});

test('notices follow the audience the reader chose, and the choice is remembered', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  const titles = () => page.locator('.notice-title').allTextContents();
  const everyone = await titles();
  assert.ok(everyone.includes('Some trainees cannot upload documents larger than 10MB in Self-Service'), everyone.join(' | '));
  assert.ok(everyone.includes('TIS admin site unavailable on Saturday 16 January 2027, 8am to 11am'), everyone.join(' | '));
  // Drafts never show.
  assert.ok(!everyone.includes('Form R Part B is changing on Monday 1 February 2027'));

  await page.getByRole('radio', { name: 'Trainees' }).check();
  await page.locator('.notice-title', { hasText: 'TIS admin site unavailable' }).waitFor({ state: 'detached' });
  const trainees = await titles();
  assert.ok(trainees.includes('Some trainees cannot upload documents larger than 10MB in Self-Service'));
  assert.ok(trainees.includes('Check this page first if TIS is not working'), 'notices for everyone reach trainees too');

  await page.reload();
  await waitForWorking(page);
  assert.equal(await page.getByRole('radio', { name: 'Trainees' }).isChecked(), true);
  assert.deepEqual(await titles(), trainees);

  await page.getByRole('radio', { name: 'Admin staff' }).check();
  await page.locator('.notice-title', { hasText: 'TIS admin site unavailable' }).waitFor();
  assert.ok(!(await titles()).includes('Some trainees cannot upload documents larger than 10MB in Self-Service'));
  // Planned maintenance comes after the services.
  const upcoming = page.locator('.upcoming .notice-maintenance');
  assert.match(await upcoming.locator('.facts').innerText(), /When\s+Saturday 16 January 2027, 8am to 11am GMT/);
  assert.match(await upcoming.locator('.notice-kind').innerText(), /Planned maintenance · For admin staff/);
});

test('a service name leads to its page, and the page works from there', async () => {
  const page = await chrome.page();
  await page.goto(server.url);
  await waitForWorking(page);
  // The whole heading: the overview's own headline may name the service too ("Bulk
  // upload is slow" when a check is slow on a busy machine), before the page has moved.
  const heading = (name) => page.getByRole('heading', { level: 1, name, exact: true });
  await page.getByRole('link', { name: 'Bulk upload', exact: true }).click();
  await heading('Bulk upload').waitFor();
  assert.equal(new URL(page.url()).pathname, '/services/bulk-upload');
  assert.equal(await page.title(), 'Bulk upload – TIS Status');
  // The whole app now runs: its own links change the page without a reload.
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await heading('Incidents').waitFor();
  await page.goBack();
  await heading('Bulk upload').waitFor();
  assert.deepEqual(page.errors, []);
});

test('an unknown address gets a helpful page with its own title', async () => {
  const page = await chrome.page();
  const response = await page.goto(`${server.url}/no-such-page`);
  assert.equal(response.status(), 200);
  await page.locator('h1', { hasText: 'Page not found' }).waitFor();
  assert.equal(await page.title(), 'Page not found – TIS Status');
  assert.ok(await page.getByRole('link', { name: 'see the status of all TIS services' }).isVisible());
  assert.ok(await page.getByRole('link', { name: 'look through past incidents' }).isVisible());
});

test('an open table stays with its own service when the list of services grows', async () => {
  const page = await chrome.page();
  // A service the server does not have, added to its answers on their way to the page,
  // stands for a service added to the configuration while the page is open. Asked for
  // in full (no If-None-Match), so the changed copy is what the page gets.
  const extra = (service) => ({ ...service, id: 'timesheets', name: 'Timesheets', description: 'Record the hours you worked.' });
  const full = (route) => {
    const headers = { ...route.request().headers() };
    delete headers['if-none-match'];
    return route.fetch({ headers });
  };
  await page.route('**/api/v1/trends', async (route) => {
    const response = await full(route);
    const trends = await response.json();
    trends.services.push(extra(trends.services.find((t) => t.service === 'revalidation')));
    trends.services.at(-1).service = 'timesheets';
    await route.fulfill({ response, json: trends, headers: { ...response.headers(), etag: '"with-timesheets"' } });
  });
  const trendsArrived = page.waitForResponse('**/api/v1/trends');
  await page.goto(server.url);
  await waitForWorking(page);
  await trendsArrived;
  const revalidation = page.locator('.service[data-service="revalidation"]');
  await revalidation.locator('.alternative summary').click();
  await revalidation.locator('caption', { hasText: 'Uptime of Revalidation, day by day' }).waitFor();

  // Timesheets joins "For admins" just before Revalidation.
  await page.route('**/api/v1/summary', async (route) => {
    const response = await full(route);
    const summary = await response.json();
    const at = summary.services.findIndex((s) => s.id === 'revalidation');
    summary.services.splice(at, 0, extra(summary.services[at]));
    await route.fulfill({ response, json: summary, headers: { ...response.headers(), etag: '"with-timesheets"' } });
  });
  // Any change makes the page ask for the summary again.
  await api(server, 'POST', '/api/v1/notices', {
    token: server.tokens.support,
    body: {
      title: 'Timesheets are new', body: 'You can now record your hours in TIS.', kind: 'information',
      severity: 'low', services: [], starts_at: minutesFromNow(-1), ends_at: null, audience: 'everyone', published: true,
    },
  });
  const timesheets = page.locator('.service[data-service="timesheets"]');
  await timesheets.locator('.service-name', { hasText: 'Timesheets' }).waitFor();
  const admins = await page.locator('.group', { has: page.locator('h2', { hasText: 'For admins' }) }).locator('.service-name').allTextContents();
  assert.deepEqual(admins, ['TIS admin site', 'Bulk upload', 'Timesheets', 'Revalidation', 'Reference data']);
  // The reader opened Revalidation's tables: they are still open, under Revalidation,
  // and the new service's are closed.
  assert.equal(await revalidation.locator('details.alternative').evaluate((d) => d.open), true);
  assert.ok(await revalidation.locator('caption', { hasText: 'Uptime of Revalidation, day by day' }).isVisible());
  assert.equal(await timesheets.locator('details.alternative').evaluate((d) => d.open), false);
  assert.equal(await page.locator('details.alternative[open]').count(), 1);
  assert.deepEqual(page.errors, []);
});
