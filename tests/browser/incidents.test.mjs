// The incident history: newest first, a page at a time, filtered by service and by year.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api } from './harness.mjs';

let server;
let chrome;
const made = [];

before(async () => {
  server = await startServer({ roles: ['editor'] });
  chrome = await startBrowser();
  // Eight short incidents in 2025 on top of the demo's four, so the history has pages.
  for (let day = 1; day <= 8; day += 1) {
    const started = `2025-03-${String(day).padStart(2, '0')}T10:00:00Z`;
    const incident = await api(server, 'POST', '/api/v1/incidents', {
      token: server.tokens.editor,
      body: {
        title: `Reference data slow, day ${day}`,
        status: 'resolved',
        impact: 'minor',
        affected: [{ service: 'reference-data', status: 'degraded' }],
        started_at: started,
        resolved_at: `2025-03-${String(day).padStart(2, '0')}T10:30:00Z`,
      },
    });
    made.push(incident.id);
  }
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

const titles = (page) => page.locator('.incident-card .incident-title').allTextContents();

test('incidents are listed newest first, ten to a page, with links between the pages', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/incidents`);
  await page.locator('.incident-card').first().waitFor();
  assert.equal(await page.title(), 'Incidents – TIS Status');
  assert.equal(await page.locator('.results-count').innerText(), '12 incidents. Page 1 of 2, newest first.');
  const first = await titles(page);
  assert.equal(first.length, 10);
  assert.deepEqual(first.slice(0, 3), [
    'Emails from TIS are arriving late',
    'Bulk upload and ESR integration stopped working',
    'Form R was slow and some submissions failed',
  ]);
  // Resolved incidents say when, and for how long.
  const resolved = page.locator('.incident-card', { hasText: 'Bulk upload and ESR integration stopped working' });
  assert.match(await resolved.locator('.facts').innerText(), /Resolved\s+6:40pm BST on Wednesday 14 October 2026 \(lasted 23 hours 40 minutes\)/);
  assert.ok(await resolved.getByRole('link', { name: 'Read what happened and what we are changing' }).isVisible());

  await page.getByRole('link', { name: 'Older incidents' }).click();
  await page.locator('.results-count', { hasText: 'Page 2 of 2' }).waitFor();
  assert.equal(new URL(page.url()).search, '?page=2');
  assert.deepEqual(await titles(page), ['Reference data slow, day 2', 'Reference data slow, day 1']);
  assert.equal(await page.getByRole('link', { name: 'Older incidents' }).count(), 0);
  await page.getByRole('link', { name: 'Newer incidents' }).click();
  await page.locator('.results-count', { hasText: 'Page 1 of 2' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('the history filters by service and by year, and the address keeps the filter', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/incidents`);
  await page.locator('.incident-card').first().waitFor();
  await page.getByLabel('Service').selectOption({ label: 'Sign-in' });
  await page.getByRole('button', { name: 'Show incidents' }).click();
  await page.locator('h1', { hasText: 'Incidents affecting Sign-in' }).waitFor();
  assert.equal(new URL(page.url()).search, '?service=sign-in');
  await page.locator('.results-count', { hasText: '2 incidents' }).waitFor();
  assert.deepEqual(await titles(page), ['Bulk upload and ESR integration stopped working', 'Nobody could sign in to TIS']);
  assert.equal(await page.title(), 'Incidents affecting Sign-in – TIS Status');

  const years = await page.getByLabel('Year').locator('option').allTextContents();
  assert.deepEqual(years, ['All years', '2026', '2025']);
  await page.getByLabel('Year').selectOption('2025');
  await page.getByRole('button', { name: 'Show incidents' }).click();
  await page.locator('h1', { hasText: 'Incidents affecting Sign-in in 2025' }).waitFor();
  await page.locator('.results-count', { hasText: '1 incident.' }).waitFor();
  assert.deepEqual(await titles(page), ['Nobody could sign in to TIS']);

  // Opened directly, the address gives the same list, with the filters shown as chosen.
  const again = await chrome.page();
  await again.goto(`${server.url}/incidents?service=reference-data&year=2025`);
  await again.locator('.results-count', { hasText: '8 incidents' }).waitFor();
  assert.equal(await again.getByLabel('Service').inputValue(), 'reference-data');
  assert.equal(await again.getByLabel('Year').inputValue(), '2025');
});

test('a filter that matches nothing says so and offers the whole history', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/incidents?service=data-exports`);
  await page.locator('.results-count', { hasText: 'No incidents match.' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'See every incident' }).getAttribute('href'), '/incidents');
});
