// One incident: plain language first, then the updates, the timeline in UK time, what the
// checks saw and the key times; the full report for signed-in staff; a clean printout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, api, minutesFromNow, screenshot } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({
    roles: ['editor', 'prober'],
    accounts: { priya: 'editor' },
  });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

async function open(path, page) {
  page = page ?? await chrome.page();
  await page.goto(`${server.url}${path}`);
  await page.locator('.incident-meta').waitFor();
  return page;
}

test('an incident reads in plain language first, then updates, timeline, checks and key times', async () => {
  const page = await open('/incidents/3');
  assert.equal(await page.locator('h1').innerText(), 'Bulk upload and ESR integration stopped working');
  assert.equal(await page.title(), 'Bulk upload and ESR integration stopped working – TIS Status');
  const headings = await page.locator('main h2').allTextContents();
  assert.deepEqual(headings, [
    'What happened',
    'Who was affected and how',
    'What we did',
    'What we are doing so it does not happen again',
    'Updates we gave',
    'Timeline',
    'What our checks saw',
    'Key times',
  ]);
  assert.match(await page.locator('.facts').first().innerText(), /Affects\s+Bulk upload \(down\), ESR integration \(down\) and Sign-in \(partly down\)/);
  assert.match(await page.locator('.facts').first().innerText(), /Started\s+7pm BST on Tuesday 13 October 2026/);
  assert.match(await page.locator('.facts').first().innerText(), /Resolved\s+6:40pm BST on Wednesday 14 October 2026 \(lasted 23 hours 40 minutes\)/);
  // What we are doing, each with whether it is done.
  const actions = await page.locator('.actions li').allTextContents();
  assert.ok(actions.length > 0);
  assert.ok(actions.every((a) => /^(✓ Done:|◯ Not done yet:)/.test(a)), actions.join(' | '));
  // Staff-only parts never reach the public.
  assert.equal(await page.locator('#full-report').count(), 0);
  assert.equal(await page.getByText('/etc/hosts').count() > 0, true, 'the timeline is public once the report is published');
  assert.equal(await page.getByText('Root causes').count(), 0);
  assert.deepEqual(page.errors, []);
});

test('updates are newest first, each with its stage and UK time', async () => {
  const page = await open('/incidents/3');
  const updates = page.locator('.updates > li');
  assert.equal(await updates.count(), 5);
  assert.match(await updates.first().locator('.update-when').innerText(), /Resolved\s+(\d{1,2}(:\d\d)?[ap]m|midnight|midday) BST on Wednesday 14 October 2026/);
  assert.match(await updates.last().locator('.update-when').innerText(), /Investigating\s+10:47am BST on Wednesday 14 October 2026/);
});

test('the timeline runs over several days in UK time, with approximate times and spans shown as such', async () => {
  const page = await open('/incidents/3');
  const days = await page.locator('.timeline-day').allTextContents();
  assert.deepEqual(days, [
    'Tuesday 13 October 2026 (times in BST)',
    'Wednesday 14 October 2026 (times in BST)',
  ]);
  const whens = await page.locator('.timeline .entry-when').allTextContents();
  assert.ok(whens.includes('Some time between 7pm and 8pm'), whens.join(' | '));
  assert.ok(whens.includes('9:44am'), whens.join(' | '));
  assert.ok(whens.includes('5:06pm to 6:40pm'), whens.join(' | '));
  const cause = page.locator('.timeline-entry.kind-cause');
  assert.equal(await cause.locator('.entry-kind').innerText(), 'Cause');
  const keyTimes = page.locator('.keytimes');
  assert.match(await keyTimes.innerText(), /To find the problem\s+Between 13 hours 44 minutes and 14 hours 44 minutes/);
  assert.match(await keyTimes.innerText(), /To tell users\s+Between 14 hours 47 minutes and 15 hours 47 minutes/);
  assert.match(await keyTimes.innerText(), /To fix it for users/);
  assert.match(await keyTimes.innerText(), /To resolve it fully/);
});

test('what the checks saw is drawn under the timeline, and said in words', async () => {
  // An incident within the last hour: results older than that may fall on a day whose
  // uptime is final (after 1am), and the server refuses those.
  const started = minutesFromNow(-50);
  const resolved = minutesFromNow(-20);
  const incident = await api(server, 'POST', '/api/v1/incidents', {
    token: server.tokens.editor,
    body: {
      title: 'Bulk upload failed for an hour',
      status: 'resolved',
      impact: 'major',
      affected: [{ service: 'bulk-upload', status: 'major_outage' }],
      started_at: started,
      resolved_at: resolved,
    },
  });
  const results = [];
  // Every 10 seconds, as the demo's probes run, failing for 26 minutes in the middle.
  for (let tenth = -58 * 6; tenth <= -2 * 6; tenth += 1) {
    const minute = tenth / 6;
    const failing = minute >= -48 && minute < -22;
    for (const probe of ['bulk-upload/1', 'bulk-upload/2']) {
      results.push({
        probe, service: 'bulk-upload', at: minutesFromNow(minute), ok: !failing, latency_ms: 40,
        ...(failing ? { error_kind: 'auth', detail: 'token request refused' } : {}),
      });
    }
  }
  await api(server, 'POST', '/api/v1/probe-results', { token: server.tokens.prober, body: { results } });

  const page = await open(`/incidents/${incident.id}`);
  const history = page.locator('.history-row', { hasText: 'Bulk upload' });
  await history.locator('.history-bar').waitFor();
  assert.ok(await history.locator('rect.span-major_outage').count() >= 1);
  const spans = await history.locator('.history-spans li').allTextContents();
  const down = spans.filter((s) => s.startsWith('✕Down'));
  assert.equal(down.length, 1, spans.join(' | '));
  assert.match(down[0], /^✕Down \w+day \d+ \w+ \d{4}, (\d{1,2}(:\d\d)?[ap]m|midnight|midday) to (\d{1,2}(:\d\d)?[ap]m|midnight|midday) (GMT|BST) \(2[56] minutes\)$|^✕Down From .+ until .+ \(2[56] minutes\)$/);
  // Every check posted above is in the drawn stretch (an hour either side of the
  // incident), with the demo's own checks of the last few minutes on top.
  const [, checks, failed] = /(\d+) checks, (\d+) failed\./.exec(await history.innerText()) ?? [];
  const failures = results.filter((r) => !r.ok).length;
  assert.ok(Number(checks) >= results.length && Number(failed) >= failures && Number(failed) < Number(checks),
    `${checks} checks, ${failed} failed; ${results.length} posted, ${failures} failing`);
  // What the failing checks said is for staff: the reader sees when, never the remote words.
  assert.doesNotMatch(await page.locator('body').innerText(), /token request refused/);
  const during = `before=${encodeURIComponent(minutesFromNow(-22))}&limit=500`;
  const raw = await (await fetch(`${server.url}/api/v1/services/bulk-upload/results?${during}`)).text();
  assert.ok(raw.includes('"ok":false') && !raw.includes('token request refused'), raw.slice(0, 400));
  await screenshot(page, 'incident-checks-drawn');
});

test('for an incident older than the checks we keep, the changes they recorded are drawn', async () => {
  // The demo's incident 3 (October 2026) is past the 30 days raw checks are kept; the
  // status changes recorded at the time are kept for good.
  const page = await open('/incidents/3');
  const history = page.locator('.history-row', { hasText: 'Bulk upload' });
  await history.locator('.history-bar').waitFor();
  assert.ok(await history.locator('rect.span-major_outage').count() >= 1);
  assert.match(await history.innerText(), /From the changes our checks recorded\./);
  const spans = await history.locator('.history-spans li').allTextContents();
  assert.ok(spans.some((s) => s.startsWith('✕Down')), spans.join(' | '));
});

test('signed-in staff also see the full report, its action owners and its revisions', async () => {
  const page = await chrome.page();
  const signIn = await page.request.post(`${server.url}/api/v1/session`, {
    data: { name: 'priya', password: 'correct horse battery staple' },
  });
  assert.equal(signIn.status(), 200, await signIn.text());
  // Incident 1's report is still in review: only staff see it, clock change and all.
  await open('/incidents/1', page);
  await page.locator('#full-report').waitFor();
  assert.match(await page.locator('.technical').innerText(), /In review, revision \d+\. Written by Sam, Priya and Tom\./);
  assert.ok(await page.locator('.technical h3', { hasText: 'Root causes' }).isVisible());
  const owners = await page.locator('.technical table tbody tr td:nth-child(2)').allTextContents();
  assert.ok(owners.includes('Tom') && owners.includes('Priya'), owners.join(', '));
  assert.ok(await page.locator('.revisions li').count() >= 1);
  const days = await page.locator('.timeline-day').allTextContents();
  assert.ok(days.includes('Sunday 26 October 2025 (times in BST until 2am, then GMT)'), days.join(' | '));
  const whens = await page.locator('.timeline .entry-when').allTextContents();
  assert.ok(whens.includes('1:50am BST to 1:05am GMT'), whens.join(' | '));
  await screenshot(page, 'incident-staff-view');

  // The public see the incident, but not the report under review.
  const anonymous = await open('/incidents/1');
  assert.equal(await anonymous.locator('#full-report').count(), 0);
  assert.equal(await anonymous.locator('.timeline').count(), 0);
});

test('an incident prints cleanly: content only, no navigation or controls', async () => {
  const page = await open('/incidents/3');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.equal(await page.locator('.site-footer').isVisible(), false);
  assert.equal(await page.locator('.updated').isVisible(), false);
  assert.equal(await page.locator('h1').isVisible(), true);
  assert.equal(await page.locator('.timeline').first().isVisible(), true);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10_000);
});

test('an incident that does not exist says so', async () => {
  const page = await chrome.page();
  await page.goto(`${server.url}/incidents/999`);
  await page.locator('h1', { hasText: 'Incident not found' }).waitFor();
  assert.equal(await page.title(), 'Incident not found – TIS Status');
  assert.equal(await page.getByRole('link', { name: 'See all incidents' }).getAttribute('href'), '/incidents');
});
