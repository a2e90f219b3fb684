// WCAG 2.2 AA on every page: an axe-core scan with zero violations (light and dark, with
// the table alternatives open), no sideways scrolling at 320 px or at 200% zoom, a
// keyboard path with visible focus, and no motion. Screenshots of every page, wide and
// narrow, light and dark, go to tests/artifacts for people to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, accessibilityProblems, screenshot } from './harness.mjs';

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

/** Every public page, and what shows that it has its data. */
const pages = [
  { name: 'overview', path: '/', ready: '.service[data-service="sign-in"] .status-label >> text=Working' },
  { name: 'service', path: '/services/bulk-upload', ready: 'figure.chart' },
  { name: 'incidents', path: '/incidents', ready: '.incident-card' },
  { name: 'incident', path: '/incidents/3', ready: '.keytimes' },
  { name: 'notices', path: '/notices', ready: '.notice' },
  { name: 'about', path: '/about', ready: '#key-times' },
  { name: 'not-found', path: '/no-such-page', ready: 'h1 >> text=Page not found' },
];

async function open(path, ready, options) {
  const page = await chrome.page(options);
  await page.goto(`${server.url}${path}`);
  await page.locator(ready).first().waitFor();
  return page;
}

for (const scheme of ['light', 'dark']) {
  test(`every page passes an axe-core scan with no violations, ${scheme}`, async () => {
    const found = [];
    for (const { name, path, ready } of pages) {
      const page = await open(path, ready, { colorScheme: scheme });
      // The tables behind the charts are part of the page too.
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      const problems = await accessibilityProblems(page);
      found.push(...problems.map((p) => `${name}: ${p}`));
      assert.deepEqual(page.errors, [], `${name} threw errors`);
      await page.context().close();
    }
    assert.deepEqual(found, []);
  });
}

test('the page stays accessible when the server cannot be reached', async () => {
  const page = await open('/', '.service .status-label >> text=Working');
  await page.route('**/api/**', (route) => route.abort());
  await page.reload();
  await page.locator('.conn-status .stale').waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  const first = await chrome.page();
  await first.route('**/api/**', (route) => route.abort());
  // The overview carries its status in the page; the notices page has nothing to show.
  await first.goto(`${server.url}/notices`);
  await first.locator('.error-summary').waitFor();
  assert.deepEqual(await accessibilityProblems(first), []);
});

test('screenshots of every page, wide and narrow, light and dark', async () => {
  for (const { name, path, ready } of pages) {
    for (const scheme of ['light', 'dark']) {
      for (const [size, width] of [['wide', 1280], ['narrow', 320]]) {
        const page = await open(path, ready, { colorScheme: scheme, viewport: { width, height: 800 } });
        await screenshot(page, `${name}-${size}-${scheme}`);
        await page.context().close();
      }
    }
  }
});

test('nothing scrolls sideways at 320 px wide or at 200% zoom', async () => {
  // 200% zoom on a 1280 px screen gives a page 640 CSS pixels wide.
  for (const [width, scale] of [[320, 1], [640, 2]]) {
    for (const { name, path, ready } of pages) {
      const page = await open(path, ready, { viewport: { width, height: 800 }, deviceScaleFactor: scale });
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${width} px scrolls sideways by ${overflow} px`);
      await page.context().close();
    }
  }
});

test('the keyboard reaches everything, with focus always visible', async () => {
  const page = await open('/', '.service .status-label >> text=Working');
  await page.keyboard.press('Tab');
  const skip = page.locator('.skip-link');
  assert.equal(await skip.evaluate((el) => el === document.activeElement), true, 'the skip link comes first');
  assert.ok(await skip.isVisible(), 'the skip link shows when focused');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'main');

  // Every link, button, field and disclosure can be reached, and shows a focus outline.
  const unseen = [];
  const reached = new Set();
  for (let i = 0; i < 200; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      if (el === document.body) return null;
      return {
        what: `${el.tagName.toLowerCase()} ${(el.textContent || el.value || '').trim().slice(0, 40)}`,
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        radio: el.type === 'radio',
      };
    });
    // Past the last control, focus leaves the page.
    if (focus === null) break;
    reached.add(focus.what);
    // Radios draw their own focus ring in Chromium; the others use ours.
    if (!focus.outline && !focus.radio) unseen.push(focus.what);
  }
  assert.deepEqual(unseen, []);
  assert.ok([...reached].some((w) => w.startsWith('summary Show the uptime')), 'the table alternatives are reachable');
  assert.ok([...reached].some((w) => w.startsWith('a Sign-in')), 'the service links are reachable');
});

test('nothing moves, for readers who ask for reduced motion', async () => {
  const page = await open('/', '.service .status-label >> text=Working', { reducedMotion: 'reduce' });
  assert.equal(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches), true);
  assert.equal(await page.evaluate(() => document.getAnimations().length), 0);
});
