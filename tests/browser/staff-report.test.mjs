// Writing an incident report: a timeline over two days with an approximate time and a
// range, key times worked out as it is typed, publishing, revisions compared, two editors
// saving at once, and support kept to reading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBrowser, artifacts, startServer, signIn, staffGet } from './harness.mjs';

let server;
let chrome;
let incident;

before(async () => {
  server = await startServer({ accounts: { eddie: 'editor', erin: 'editor', sam: 'support' } });
  chrome = await startBrowser();
  // The incident the report is about, opened through the API as a script would.
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eddie');
  const csrf = (await staffGet(page, server.url, '/api/v1/session')).body.csrf_token;
  const opened = await page.request.post(`${server.url}/api/v1/incidents`, {
    headers: { 'x-csrf-token': csrf },
    data: {
      title: 'Bulk upload and ESR stopped after a server upgrade',
      status: 'investigating',
      impact: 'major',
      affected: [{ service: 'bulk-upload', status: 'major_outage' }],
      started_at: '2026-10-13T17:00:00Z',
    },
  });
  assert.equal(opened.status(), 201, await opened.text());
  incident = (await opened.json()).id;
  await context.close();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

/** Adds a timeline entry and fills it; Tab leaves the time box, as a person would. */
async function addEntry(page, { day, time, kind, text }) {
  await page.getByRole('button', { name: 'Add a timeline entry' }).click();
  const entry = page.locator('.timeline-entry').last();
  // The new entry's time box has focus, ready to type.
  await page.waitForFunction(() => /^f-timeline-\d+-time$/.test(document.activeElement.id));
  await entry.getByLabel('Day').fill(day);
  await entry.getByLabel('What kind of moment').selectOption(kind);
  await entry.getByLabel('What happened').fill(text);
  await entry.getByLabel('Time', { exact: true }).fill(time);
  await entry.getByLabel('Time', { exact: true }).press('Tab');
}

async function section(page, label, text) {
  await page.getByLabel(label, { exact: false }).first().fill(text);
}

test('an editor writes a two-day timeline, sees the key times as they type, publishes, edits and compares revisions', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eddie');
  await page.goto(`${server.url}/manage/incidents/${incident}`);
  await page.getByRole('link', { name: 'Incident report' }).click();
  await page.getByRole('heading', { name: /Incident report/ }).waitFor();

  await section(page, 'Summary', 'After an upgrade, bulk upload and ESR stopped working for 14 hours before we knew.');
  await section(page, 'Impact (optional)', 'No admin could upload spreadsheets. ESR data was a day late.');
  await section(page, 'What happened, in plain words (optional)',
    'A settings change on our servers stopped our systems signing in to each other. The hosts file was wrong.');
  // Jargon is flagged while typing, with what to say instead.
  await page.getByText('Readers may not know "hosts file". Try "a settings file on the server".').waitFor();

  await addEntry(page, { day: '2026-10-14', time: '09:44', kind: 'detected', text: 'An admin reported that bulk upload failed.' });
  await addEntry(page, { day: '2026-10-13', time: '18:xx', kind: 'cause', text: 'Stage and prod servers were upgraded.' });
  // Kept in time order: the cause, typed second, moves to the top, and says so.
  await page.getByText('The entry moved to position 1 to keep the timeline in time order.').waitFor();
  const first = page.locator('.timeline-entry').first();
  assert.equal(await first.getByLabel('What happened').inputValue(), 'Stage and prod servers were upgraded.');
  assert.equal(await first.getByLabel('Approximate: only the hour is known').isChecked(), true);
  assert.match(await first.locator('.readback').innerText(),
    /Reads as: some time between 6pm and 7pm on Tuesday 13 October 2026, BST\./);
  // Focus stayed with the entry that moved.
  await page.waitForFunction(() => document.activeElement.id === 'f-timeline-0-approximate');

  const keyTimes = page.locator('.key-times');
  assert.match(await keyTimes.innerText(), /Time to find the problem\s+between 14 hours 44 minutes and 15 hours 44 minutes/);
  assert.match(await keyTimes.innerText(), /Time to fix it\s+Not known/);

  await addEntry(page, { day: '2026-10-14', time: '10:47', kind: 'users_informed', text: 'Users were told on the status page.' });
  await addEntry(page, { day: '2026-10-14', time: '12:16', kind: 'mitigated', text: 'A quick fix made bulk upload work again.' });
  await addEntry(page, { day: '2026-10-14', time: '17:06 to 18:40', kind: 'resolved', text: 'ESR was turned back on and caught up.' });
  assert.match(await page.locator('.timeline-entry').last().locator('.readback').innerText(),
    /Reads as: 5:06pm to 6:40pm on Wednesday 14 October 2026, BST\./);
  assert.match(await keyTimes.innerText(), /Time to tell users\s+between 15 hours 47 minutes and 16 hours 47 minutes/);
  assert.match(await keyTimes.innerText(), /Time to fix it\s+between 23 hours 40 minutes and 1 day 1 hour/);

  await page.getByRole('button', { name: 'Add a root cause' }).click();
  await page.getByLabel('Root cause 1').fill('The upgrade left a hosts file entry that sent sign-in to the server itself.');
  await page.getByRole('button', { name: 'Add an action' }).click();
  const action = page.locator('.action-item').first();
  await action.getByLabel('What will be done').fill('Check sign-in between services every minute, the way each service does it.');
  await action.getByLabel('Owner').fill('TIS platform team');
  await action.getByLabel('Progress').selectOption('in_progress');
  await action.getByLabel('Due (optional)').fill('2026-11-30');
  await page.getByRole('button', { name: 'Add a lesson' }).click();
  await page.getByLabel('Lesson 1').fill('Know which services depend on sign-in, and check them after every upgrade.');
  await page.getByLabel('Published').check();
  await page.screenshot({ path: join(artifacts, 'staff-report-editor.png'), fullPage: true });
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.getByText(/Saved as revision 1 at .+\. The plain-language parts are on the public incident page\./).waitFor();

  // Everyone can now read its plain parts.
  const reader = await chrome.open();
  const publicView = await staffGet(reader.page, server.url, `/api/v1/incidents/${incident}`);
  assert.match(publicView.body.public_report.summary, /bulk upload and ESR stopped working/);
  assert.equal(publicView.body.public_report.timeline.length, 5);
  await reader.context.close();

  // Edit again: a second revision.
  await section(page, 'Summary', 'After a server upgrade, bulk upload and ESR stopped working. Nobody noticed for 14 hours.');
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.getByText(/Saved as revision 2 at /).waitFor();

  await page.getByRole('link', { name: 'See every revision' }).click();
  await page.getByRole('heading', { name: /Report revisions/ }).waitFor();
  await page.locator('table.revisions tbody tr').nth(1).waitFor();
  const rows = await page.locator('table.revisions tbody tr').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^2 \(current\)\s+eddie/);
  assert.match(rows[1], /^1\s+eddie/);
  // Revision 1 and 2 are compared side by side at once.
  const side = page.locator('table.diff-side');
  await side.waitFor();
  // What a screen reader reads: the sign is hidden from it, the word is not.
  const sideText = await side.textContent();
  assert.match(sideText, /Removed: After an upgrade, bulk upload and ESR stopped working for 14 hours before we knew\./);
  assert.match(sideText, /Added: After a server upgrade, bulk upload and ESR stopped working\. Nobody noticed for 14 hours\./);
  await page.screenshot({ path: join(artifacts, 'staff-revisions-side-by-side.png'), fullPage: true });
  await page.getByLabel('One after the other').check();
  await page.getByRole('button', { name: 'Compare' }).click();
  const inline = page.locator('.diff-inline');
  await inline.waitFor();
  assert.deepEqual(await inline.locator('li').allTextContents(), [
    '−Removed: After an upgrade, bulk upload and ESR stopped working for 14 hours before we knew.',
    '+Added: After a server upgrade, bulk upload and ESR stopped working. Nobody noticed for 14 hours.',
  ]);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('two editors saving the same report see a conflict with both versions, and no text is lost', async () => {
  const eddie = await chrome.open();
  const erin = await chrome.open();
  await signIn(eddie.page, server.url, 'eddie');
  await signIn(erin.page, server.url, 'erin');
  const reportPage = `${server.url}/manage/incidents/${incident}/report`;
  await eddie.page.goto(reportPage);
  await erin.page.goto(reportPage);
  await eddie.page.getByLabel('Summary').waitFor();
  await erin.page.getByLabel('Summary').waitFor();

  const ediesSummary = 'Eddie’s summary: a server upgrade stopped sign-in between services for a day.';
  const erinsImpact = 'Erin’s impact: 212 admins could not upload spreadsheets; ESR data was late.';
  await erin.page.getByLabel('Impact (optional)').fill(erinsImpact);
  await erin.page.getByRole('button', { name: 'Save a new revision' }).click();
  await erin.page.getByText(/Saved as revision \d+ at /).waitFor();
  const erinsRevision = (await staffGet(erin.page, server.url, `/api/v1/incidents/${incident}`)).body.report_revision;

  await eddie.page.getByLabel('Summary').fill(ediesSummary);
  await eddie.page.getByRole('button', { name: 'Save a new revision' }).click();
  const conflict = eddie.page.locator('.conflict');
  await conflict.getByRole('heading', { name: 'Someone else saved this report while you were editing it' }).waitFor();
  assert.match(await conflict.innerText(), new RegExp(`erin saved revision ${erinsRevision} at `));
  // Both versions of each part that differs, side by side.
  const summary = conflict.locator('fieldset', { hasText: 'Summary' });
  assert.match(await summary.innerText(), /Your version \(not saved\)[\s\S]*Eddie’s summary/);
  assert.match(await summary.innerText(), /After a server upgrade, bulk upload and ESR stopped working/);
  const impact = conflict.locator('fieldset', { hasText: 'Impact' });
  assert.match(await impact.innerText(), /Erin’s impact/);
  // Nothing was overwritten: the server still has Erin's revision.
  const stored = (await staffGet(eddie.page, server.url, `/api/v1/incidents/${incident}`)).body;
  assert.equal(stored.report_revision, erinsRevision);
  assert.equal(stored.incident.report.impact, erinsImpact);
  await eddie.page.screenshot({ path: join(artifacts, 'staff-report-conflict.png'), fullPage: true });

  // Keep Eddie's summary and take Erin's impact.
  await impact.getByLabel(`Use revision ${erinsRevision}`).check();
  await conflict.getByRole('button', { name: 'Save with these choices' }).click();
  await eddie.page.getByText(new RegExp(`Saved as revision ${erinsRevision + 1} at `)).waitFor();
  assert.equal(await eddie.page.locator('.conflict').count(), 0);
  const merged = (await staffGet(eddie.page, server.url, `/api/v1/incidents/${incident}`)).body.incident.report;
  assert.equal(merged.summary, ediesSummary);
  assert.equal(merged.impact, erinsImpact);
  await eddie.context.close();
  await erin.context.close();
});

test('a support account can read a report but not change it, and the server refuses it too', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/incidents/${incident}/report`);
  await page.getByText('Only editors can change reports. You have the support role').waitFor();
  assert.equal(await page.getByLabel('Summary').isDisabled(), true);
  assert.match(await page.getByLabel('Summary').inputValue(), /Eddie’s summary/);
  assert.equal(await page.getByRole('button', { name: 'Save a new revision' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Add a timeline entry' }).isDisabled(), true);
  await page.screenshot({ path: join(artifacts, 'staff-report-support.png'), fullPage: true });

  const session = (await staffGet(page, server.url, '/api/v1/session')).body;
  const current = (await staffGet(page, server.url, `/api/v1/incidents/${incident}`)).body;
  const refused = await page.request.put(`${server.url}/api/v1/incidents/${incident}/report`, {
    headers: { 'x-csrf-token': session.csrf_token },
    data: { base_revision: current.report_revision, report: { ...current.incident.report, summary: 'changed by support' } },
  });
  assert.equal(refused.status(), 403);
  assert.match((await refused.json()).detail, /editor role/);
  await context.close();
});
