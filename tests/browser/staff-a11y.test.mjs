// Accessibility of the staff pages: axe-core on every /manage page in the states people
// see (empty, with problems, filled in), and the main tasks done with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBrowser, artifacts, startServer, signIn, staffGet, accessibilityProblems, PASSWORD, ukTomorrow } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ accounts: { eddie: 'editor', erin: 'editor', sam: 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

async function noViolations(page, what) {
  const found = await accessibilityProblems(page);
  assert.deepEqual(found, [], `${what}: ${found.join('\n')}`);
}

/** Presses Tab until the focused element matches `selector`; fails if it never does. */
async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('axe-core finds nothing wrong on any staff page, empty, with problems, or filled in', async () => {
  const { page, context } = await chrome.open();
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await noViolations(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.problem-summary').waitFor();
  await noViolations(page, 'sign-in with problems');
  await page.goto(`${server.url}/manage/glossary`);
  await page.getByRole('heading', { name: 'Sign in to manage TIS Status' }).waitFor();
  await noViolations(page, 'sign-in in place of a staff page');

  await signIn(page, server.url, 'eddie');
  await noViolations(page, 'staff home');
  await page.goto(`${server.url}/manage/notices`);
  await page.locator('section[aria-labelledby="drafts"]').waitFor();
  await noViolations(page, 'notices');
  await page.goto(`${server.url}/manage/notices/new`);
  await page.getByLabel('Title', { exact: true }).waitFor();
  await noViolations(page, 'new notice');
  await page.getByLabel('What users need to know').fill('The hosts file on a Docker container was wrong, so every microservice failed to sign in to Keycloak and nothing worked for anyone at all today.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.locator('.problem-summary').waitFor();
  await noViolations(page, 'new notice with problems and hints');
  await page.goto(`${server.url}/manage/notices`);
  await page.locator('section[aria-labelledby="showing-now"] .record-title a').first().click();
  await page.getByRole('heading', { name: 'Change a notice' }).waitFor();
  await page.locator('.preview .notice').waitFor();
  await noViolations(page, 'change a notice');

  await page.goto(`${server.url}/manage/incidents`);
  await page.locator('section[aria-labelledby="resolved-incidents"] .record').first().waitFor();
  await noViolations(page, 'incidents');
  await page.goto(`${server.url}/manage/incidents/new`);
  await page.getByRole('button', { name: 'Open the incident and tell users' }).click();
  await page.locator('.problem-summary').waitFor();
  await noViolations(page, 'open an incident with problems');
  await page.getByLabel('Title', { exact: true }).fill('Reference data is slow');
  await page.getByLabel('Reference data').selectOption('degraded');
  await page.getByLabel('First update for users').fill('Reference data pages are slow to load. We are looking into it.');
  await page.getByLabel('When will users hear from you next?').selectOption('at');
  await page.getByLabel('Next update by (UK time)').fill(`${ukTomorrow()}T09:00`);
  await noViolations(page, 'open an incident, filled in');
  await page.getByRole('button', { name: 'Open the incident and tell users' }).click();
  await page.getByRole('heading', { name: 'Reference data is slow' }).waitFor();
  const id = Number(page.url().split('/').pop());
  await page.getByText('Change the title, services or times').click();
  await noViolations(page, 'an incident, its update form and details');

  await page.getByRole('link', { name: 'Incident report' }).click();
  await page.getByLabel('Summary').waitFor();
  await page.getByRole('button', { name: 'Add a timeline entry' }).click();
  await page.locator('.timeline-entry').last().getByLabel('Time', { exact: true }).fill('nonsense');
  await page.getByRole('button', { name: 'Add an action' }).click();
  await page.getByRole('button', { name: 'Add a root cause' }).click();
  await page.getByLabel('In review').check();
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.locator('.problem-summary').waitFor();
  await noViolations(page, 'report editor with problems');
  await page.locator('.timeline-entry').last().getByLabel('Time', { exact: true }).fill('10:xx');
  await page.getByLabel('Summary').fill('Reference data was slow for an hour.');
  await page.getByRole('button', { name: /Remove action/ }).click();
  await page.getByRole('button', { name: /Remove root cause/ }).click();
  await page.locator('.timeline-entry').last().getByLabel('What happened').fill('Pages took a minute to load.');
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.getByText(/Saved as revision 1/).waitFor();
  await page.getByLabel('Summary').fill('Reference data was slow for about an hour.');
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.getByText(/Saved as revision 2/).waitFor();
  await noViolations(page, 'report editor saved');

  // A conflict, as the other editor sees it.
  const other = await chrome.open();
  await signIn(other.page, server.url, 'erin');
  await other.page.goto(`${server.url}/manage/incidents/${id}/report`);
  await other.page.getByLabel('Summary').waitFor();
  await page.getByLabel('Impact (optional)').fill('Admins waited.');
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.getByText(/Saved as revision 3/).waitFor();
  await other.page.getByLabel('Summary').fill('Erin was here.');
  await other.page.getByRole('button', { name: 'Save a new revision' }).click();
  await other.page.locator('.conflict').waitFor();
  await noViolations(other.page, 'report conflict');
  await other.context.close();

  await page.goto(`${server.url}/manage/incidents/${id}/revisions`);
  await page.locator('table.diff-side').waitFor();
  await noViolations(page, 'revisions side by side');
  await page.getByLabel('One after the other').check();
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.locator('.diff-inline').waitFor();
  await noViolations(page, 'revisions inline');

  await page.goto(`${server.url}/manage/glossary`);
  await page.getByLabel('Term 1', { exact: true }).waitFor();
  await noViolations(page, 'glossary');
  await context.close();

  // The support view of a report, and the sign-in-again panel.
  const support = await chrome.open();
  await signIn(support.page, server.url, 'sam');
  await support.page.goto(`${server.url}/manage/incidents/${id}/report`);
  await support.page.getByText('Only editors can change reports.').waitFor();
  await noViolations(support.page, 'report for support');
  await support.page.goto(`${server.url}/manage/notices/new`);
  await support.page.getByLabel('Title', { exact: true }).fill('Anything');
  await support.page.getByLabel('What users need to know').fill('Something users need to know.');
  await support.context.clearCookies();
  await support.page.getByRole('button', { name: 'Save as draft' }).click();
  await support.page.locator('.sign-in-again').waitFor();
  await noViolations(support.page, 'sign in again');
  await support.context.close();
});

test('in the dark colour scheme too, axe-core finds nothing wrong', async () => {
  const { page, context } = await chrome.open({ colorScheme: 'dark' });
  await signIn(page, server.url, 'eddie');
  await noViolations(page, 'dark: staff home');
  await page.goto(`${server.url}/manage/notices/new`);
  await page.getByLabel('What users need to know').fill('The Docker hosts file was wrong.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.locator('.problem-summary').waitFor();
  await noViolations(page, 'dark: notice with problems, hints and preview');
  await page.screenshot({ path: join(artifacts, 'staff-dark-notice.png'), fullPage: true });
  await page.goto(`${server.url}/manage/notices`);
  await page.locator('section[aria-labelledby="drafts"]').waitFor();
  await noViolations(page, 'dark: notices');
  // An incident with two saves of its report, made through the API as a script would.
  const csrf = (await staffGet(page, server.url, '/api/v1/session')).body.csrf_token;
  const write = async (method, path, data) => {
    const answer = await page.request.fetch(`${server.url}${path}`, { method, headers: { 'x-csrf-token': csrf }, data });
    assert.ok(answer.ok(), `${method} ${path}: ${await answer.text()}`);
    return answer.json();
  };
  const open = await write('POST', '/api/v1/incidents', {
    title: 'Form R is slow', status: 'investigating', impact: 'minor',
    affected: [{ service: 'form-r', status: 'degraded' }], started_at: new Date(Date.now() - 3600_000).toISOString(),
    next_update_at: new Date(Date.now() + 3600_000).toISOString(),
  });
  for (const [base, summary] of [[0, 'Form R was slow.'], [1, 'Form R was slow for an hour.']]) {
    await write('PUT', `/api/v1/incidents/${open.id}/report`, { base_revision: base, report: { summary, impact: '', non_technical: '' } });
  }
  await page.goto(`${server.url}/manage/incidents/${open.id}`);
  await page.locator('.due-panel').waitFor();
  await noViolations(page, 'dark: an incident');
  await page.goto(`${server.url}/manage/incidents/${open.id}/revisions`);
  await page.locator('table.diff-side').waitFor();
  await noViolations(page, 'dark: revisions');
  await page.goto(`${server.url}/manage/incidents/${open.id}/report`);
  await page.getByLabel('Summary').waitFor();
  await noViolations(page, 'dark: report');
  await context.close();
});

test('the keyboard alone signs in, posts a notice, updates an incident and writes a report entry', async () => {
  const { page, context } = await chrome.open();
  await page.goto(`${server.url}/sign-in`);
  await tabTo(page, '#f-name');
  await page.keyboard.type('eddie');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();

  // A notice: title, words, one affected service, Publish.
  await tabTo(page, 'a[href="/manage/notices/new"]');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Post a notice' }).waitFor();
  await tabTo(page, '#f-title');
  await page.keyboard.type('Emails are delayed');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Emails from TIS are arriving up to an hour late. Nothing is lost.');
  await tabTo(page, '#f-services-notifications');
  await page.keyboard.press('Space');
  await tabTo(page, '#publish');
  await page.keyboard.press('Enter');
  await page.getByText('Published “Emails are delayed”. Users can see it now.').waitFor();
  const notice = (await staffGet(page, server.url, '/api/v1/notices?state=active')).body.find((n) => n.title === 'Emails are delayed');
  assert.deepEqual(notice.services, ['notifications']);

  // An update to an open incident: the status by arrow keys, the words, Post.
  const open = (await staffGet(page, server.url, '/api/v1/incidents?state=active')).body.incidents[0];
  await page.goto(`${server.url}/manage/incidents/${open.id}`);
  await page.getByRole('heading', { name: 'Post an update for users' }).waitFor();
  const before = (await staffGet(page, server.url, `/api/v1/incidents/${open.id}`)).body.incident;
  await tabTo(page, '.post-update input[type="radio"]:checked');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Users can work normally again. We are checking everything.');
  await tabTo(page, '#post-update');
  await page.keyboard.press('Enter');
  await page.getByText(/Update posted:/).waitFor();
  const after = (await staffGet(page, server.url, `/api/v1/incidents/${open.id}`)).body.incident;
  assert.equal(after.updates.length, before.updates.length + 1);
  assert.equal(after.updates.at(-1).body, 'Users can work normally again. We are checking everything.');
  assert.notEqual(after.status, before.status, 'the arrow key moved the status on');

  // A report: add a timeline entry, fill it, save.
  await page.goto(`${server.url}/manage/incidents/${open.id}/report`);
  await page.getByLabel('Summary').waitFor();
  await tabTo(page, '.timeline-editor > button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^f-timeline-\d+-time$/.test(document.activeElement.id));
  await page.keyboard.type('09:15');
  // Leaving the time box may move the entry into time order; focus moves with it.
  await page.keyboard.press('Tab');
  await tabTo(page, 'textarea[id^="f-timeline-"]');
  await page.keyboard.type('Checked with the keyboard alone.');
  await tabTo(page, '#save-report');
  await page.keyboard.press('Enter');
  await page.getByText(/Saved as revision \d+/).waitFor();
  const report = (await staffGet(page, server.url, `/api/v1/incidents/${open.id}`)).body.incident.report;
  assert.ok(report.timeline.some((e) => e.text === 'Checked with the keyboard alone.'));
  await page.screenshot({ path: join(artifacts, 'staff-keyboard-report.png') });
  assert.deepEqual(page.errors, []);
  await context.close();
});
