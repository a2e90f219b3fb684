// Running an incident from the staff pages: an editor opens it and tells users, then
// support and editors post updates through every status until it is resolved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBrowser, artifacts, startServer, signIn, staffGet, UK_TIME, ukTomorrow } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ accounts: { eddie: 'editor', sam: 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

test('an editor opens an incident and runs it through every status to resolved', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eddie');
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await page.getByRole('link', { name: 'Open an incident' }).click();
  await page.getByRole('heading', { name: 'Open an incident' }).waitFor();

  // Nothing filled in: each problem by its field, in the core crate's words.
  await page.getByRole('button', { name: 'Open the incident and tell users' }).click();
  const summary = page.locator('.problem-summary');
  await summary.waitFor();
  for (const message of ['Give the incident a title.', 'Choose at least one affected service.',
    'Write the update: say what is happening, in plain words.']) {
    await summary.getByRole('link', { name: message }).waitFor();
  }

  const title = 'Bulk upload and ESR are not working';
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Bulk upload').selectOption('major_outage');
  await page.getByLabel('ESR integration').selectOption('partial_outage');
  // The impact follows from the services until someone chooses it.
  assert.equal(await page.getByLabel('Major').isChecked(), true);
  await page.getByLabel('First update for users').fill(
    'Admins cannot use bulk upload and ESR is not sending data. We are looking into it.',
  );
  await page.getByLabel('When will users hear from you next?').selectOption('30');
  await page.screenshot({ path: join(artifacts, 'staff-incident-open.png'), fullPage: true });
  await page.getByRole('button', { name: 'Open the incident and tell users' }).click();
  await page.getByText(`Opened “${title}” and told users. Next update due by`).waitFor();
  await page.getByRole('heading', { name: title }).waitFor();
  assert.match(await page.locator('.due-panel').innerText(), new RegExp(String.raw`^Next update due by ${UK_TIME}( on \w+day \d{1,2} \w+ \d{4})?, in (29|30) minutes\.$`));
  const id = Number(page.url().split('/').pop());

  const steps = [
    ['Cause found', 'We found the cause: sign-in between services is failing. We are fixing it.', 'identified'],
    ['Fix in place, watching', 'A fix is in place. Bulk upload works again. ESR will catch up this evening.', 'monitoring'],
    ['Resolved', 'Everything works again. ESR has caught up. Thank you for your patience.', 'resolved'],
  ];
  for (const [label, words, status] of steps) {
    await page.getByLabel(label, { exact: true }).check();
    await page.getByLabel('What users need to know').fill(words);
    if (status === 'resolved') {
      // Resolving promises no further update.
      assert.equal(await page.getByLabel('When will users hear from you next?').count(), 0);
      await page.getByRole('button', { name: 'Post the update and resolve the incident' }).click();
    } else {
      await page.getByLabel('When will users hear from you next?').selectOption('60');
      await page.getByRole('button', { name: 'Post the update', exact: true }).click();
    }
    await page.getByText(`Update posted: “${label}”.`).waitFor();
    const { body } = await staffGet(page, server.url, `/api/v1/incidents/${id}`);
    assert.equal(body.incident.status, status);
    assert.equal(body.incident.updates.at(-1).body, words);
    // The form is ready for the next update, empty.
    assert.equal(await page.getByLabel('What users need to know').inputValue(), '');
  }
  assert.equal(await page.locator('.due-panel').count(), 0, 'a resolved incident has no update due');
  const updates = await page.locator('.update-list .update-body').allTextContents();
  assert.equal(updates.length, 4);
  assert.equal(updates[0], steps[2][1], 'newest first');
  const { body } = await staffGet(page, server.url, `/api/v1/incidents/${id}`);
  assert.ok(body.incident.resolved_at, 'resolving sets the resolved time');
  await page.screenshot({ path: join(artifacts, 'staff-incident-resolved.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('support posts updates to an open incident but cannot open one', async () => {
  const editor = await chrome.open();
  await signIn(editor.page, server.url, 'eddie');
  await editor.page.goto(`${server.url}/manage/incidents/new`);
  await editor.page.getByLabel('Title', { exact: true }).fill('Sign-in is slow');
  await editor.page.getByLabel('Sign-in').selectOption('degraded');
  await editor.page.getByLabel('First update for users').fill('Signing in takes longer than usual. We are looking into it.');
  await editor.page.getByRole('button', { name: 'Open the incident and tell users' }).click();
  await editor.page.getByRole('heading', { name: 'Sign-in is slow' }).waitFor();
  const id = Number(editor.page.url().split('/').pop());

  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await page.getByText('Editors open incidents.').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Open an incident' }).count(), 0);
  await page.getByRole('link', { name: 'Sign-in is slow' }).click();
  await page.getByLabel('Cause found', { exact: true }).check();
  await page.getByLabel('What users need to know').fill('A server was overloaded. We are moving work off it.');
  await page.getByLabel('When will users hear from you next?').selectOption('at');
  // A promised time before the latest update is refused before anything is sent.
  await page.getByLabel('Next update by (UK time)').fill('2020-01-01T09:00');
  await page.getByRole('button', { name: 'Post the update', exact: true }).click();
  await page.locator('.problem-summary').getByText(/The next update must not be before the latest one/).waitFor();
  await page.getByLabel('Next update by (UK time)').fill(`${ukTomorrow()}T09:00`);
  await page.getByRole('button', { name: 'Post the update', exact: true }).click();
  await page.getByText('Update posted: “Cause found”.').waitFor();
  const { body } = await staffGet(page, server.url, `/api/v1/incidents/${id}`);
  assert.equal(body.incident.updates.at(-1).author, 'sam');
  assert.match(await page.locator('.due-panel').innerText(), /Next update due by 9am (GMT|BST) on /);

  // The details can only be changed by editors; the server agrees.
  await page.getByText('Change the title, services or times').click();
  await page.getByText('Only editors can change these details.').waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).isDisabled(), true);
  const csrf = (await staffGet(page, server.url, '/api/v1/session')).body.csrf_token;
  const refused = await page.request.post(`${server.url}/api/v1/incidents`, {
    headers: { 'x-csrf-token': csrf },
    data: { title: 'x', status: 'investigating', impact: 'minor', affected: [{ service: 'sign-in', status: 'degraded' }], started_at: new Date().toISOString() },
  });
  assert.equal(refused.status(), 403);
  await context.close();
  await editor.context.close();
});

test('a staff address with a bad record number says so in words, never "incident 0"', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eddie');
  for (const [address, list] of [
    ['/manage/incidents/abc', 'list of incidents'],
    ['/manage/incidents/0/report', 'list of incidents'],
    ['/manage/incidents/-3/revisions', 'list of incidents'],
    ['/manage/notices/twelve', 'list of notices'],
  ]) {
    await page.goto(`${server.url}${address}`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const words = await page.locator('main').innerText();
    const raw = address.split('/')[3];
    assert.match(words, new RegExp(`This address has "${raw}" where the number of an? (incident|notice) should be, so there is nothing to show\\. Check the address, or go to the ${list}\\.`), address);
    assert.doesNotMatch(words, /incident 0|notice 0/, address);
    assert.equal(await page.title(), 'Page not found – TIS Status', address);
  }
  // The way back works.
  await page.getByRole('link', { name: 'list of notices' }).click();
  await page.getByRole('heading', { name: 'Notices', exact: true }).waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});
