// The notices page, the page that explains how status and uptime are worked out, and
// links into the middle of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, minutesFromNow } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ roles: ['support'] });
  chrome = await startBrowser();
  await api(server, 'POST', '/api/v1/notices', {
    token: server.tokens.support,
    body: {
      title: 'Revalidation was slow yesterday',
      body: 'Pages took up to a minute to open. It is fixed.',
      kind: 'known_problem',
      severity: 'low',
      services: ['revalidation'],
      starts_at: minutesFromNow(-2 * 24 * 60),
      ends_at: minutesFromNow(-24 * 60),
      audience: 'admins',
      published: true,
    },
  });
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

test('notices are grouped into now, coming up and past, for the chosen audience', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/notices`);
  await page.locator('.notice').first().waitFor();
  // Past notices come in their own answer, which may land after the current ones.
  await page.locator('.notice', { hasText: 'Revalidation was slow yesterday' }).waitFor();
  assert.equal(await page.title(), 'Notices – TIS Status');
  const sections = await page.locator('main h2').allTextContents();
  assert.deepEqual(sections, ['Now', 'Coming up', 'Past notices']);
  const all = await page.locator('.notice-title').allTextContents();
  assert.deepEqual([...all].sort(), [
    'Check this page first if TIS is not working',
    'Revalidation was slow yesterday',
    'Some trainees cannot upload documents larger than 10MB in Self-Service',
    'TIS admin site unavailable on Saturday 16 January 2027, 8am to 11am',
  ]);
  // The draft never shows.
  assert.ok(!all.includes('Form R Part B is changing on Monday 1 February 2027'));
  const past = page.locator('.notice', { hasText: 'Revalidation was slow yesterday' });
  assert.match(await past.locator('.facts').innerText(), /When\s+From .+ until .+/);
  assert.match(await past.locator('.facts').innerText(), /Affects\s+Revalidation/);

  await page.getByRole('radio', { name: 'Trainees' }).check();
  await page.locator('.notice-title', { hasText: 'Revalidation was slow yesterday' }).waitFor({ state: 'detached' });
  assert.deepEqual((await page.locator('.notice-title').allTextContents()).sort(), [
    'Check this page first if TIS is not working',
    'Some trainees cannot upload documents larger than 10MB in Self-Service',
  ]);
  assert.equal(await page.locator('.none', { hasText: 'Nothing is planned that we have told users about.' }).count(), 1);
  assert.equal(await page.locator('.none', { hasText: 'There are no past notices.' }).count(), 1);
});

test('the about page explains status, checks, uptime and key times, and links into it land', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/about`);
  await page.locator('h1', { hasText: 'How this page works' }).waitFor();
  assert.equal(await page.title(), 'How this page works – TIS Status');
  const headings = await page.locator('main h2').allTextContents();
  for (const h of ['What the status words mean', 'How we check each service', 'Where the checks run',
    'When one service needs another', 'How we work out uptime', 'Incident timelines and key times',
    'Live updates, and when this page cannot reach us']) {
    assert.ok(headings.includes(h), `missing "${h}" in ${headings.join(' | ')}`);
  }
  assert.equal(await page.locator('table tbody tr').count(), 6);

  // Opened from the overview, a link to the middle of the page lands there.
  const from = await chrome.page();
  await from.goto(server.url);
  await from.locator('.service .status-label', { hasText: 'Working' }).first().waitFor();
  await from.getByRole('link', { name: 'How we work these out' }).click();
  await from.locator('#uptime').waitFor();
  await from.waitForFunction(() => document.activeElement && document.activeElement.id === 'uptime');
  // Where it lands, allowing for sub-pixel layout: Chromium may scroll a fraction of a
  // pixel past the heading (156 stops 0.48 px beyond it). The heading is on screen, at the
  // top of the window, unless the page ends too soon to scroll it that far.
  const landed = await from.locator('#uptime').evaluate((el) => {
    const box = el.getBoundingClientRect();
    const margin = parseFloat(getComputedStyle(el).scrollMarginTop) || 0;
    const root = document.scrollingElement;
    return {
      top: box.top - margin,
      bottom: box.bottom,
      window: window.innerHeight,
      scrolled: root.scrollTop,
      atEnd: root.scrollTop + window.innerHeight >= root.scrollHeight - 2,
    };
  });
  const shown = `#uptime landed ${JSON.stringify(landed)}`;
  assert.ok(landed.scrolled > 0, `the page did not scroll: ${shown}`);
  assert.ok(landed.top > -2 && landed.bottom <= landed.window, `the heading is not wholly on screen: ${shown}`);
  assert.ok(landed.top < 2 || landed.atEnd, `the heading is not at the top: ${shown}`);
});
