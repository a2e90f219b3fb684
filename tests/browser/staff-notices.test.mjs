// Support staff post, change and end notices in a real Chromium, against the real server
// with accounts made by the command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBrowser, artifacts, startServer, signIn, staffGet, PASSWORD, UK_TIME } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ accounts: { sam: 'support', sue: 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

/** A `datetime-local` value in UK time, `minutes` from now. */
function ukInput(minutes) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(Date.now() + minutes * 60_000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

test('a wrong password is refused in words, and nothing but the password is cleared', async () => {
  const { page, context } = await chrome.open();
  await page.goto(`${server.url}/manage/notices`);
  // Not signed in: the sign-in form stands in for the page, at the same address.
  await page.getByRole('heading', { name: 'Sign in to manage TIS Status' }).waitFor();
  await page.getByLabel('Name').fill('sam');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const summary = page.getByRole('alert');
  await summary.getByText('That name and password do not match an active account. Check both and try again.').waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'sam');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  await page.screenshot({ path: join(artifacts, 'staff-sign-in-wrong-password.png'), fullPage: true });

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Notices', exact: true }).waitFor();
  assert.match(await page.locator('.staff-who').innerText(), /Signed in as sam \(support/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

/**
 * Holds back the page's first "who is signed in?" answer, as a busy server or a slow
 * line would. `release()` lets it through; `answered` resolves once the app has had a
 * frame to act on it.
 */
async function holdFirstSessionCheck(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let delivered;
  const answered = new Promise((resolve) => { delivered = resolve; });
  let first = true;
  await page.route('**/api/v1/session', async (route) => {
    if (!first || route.request().method() !== 'GET') return route.continue();
    first = false;
    const answer = await route.fetch();
    await held;
    await route.fulfill({ response: answer });
    delivered();
  });
  const frames = () => page.evaluate(() => new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  return { release, answered: answered.then(frames) };
}

test('a slow answer to "who is signed in?" neither clears what is typed nor undoes the sign-in', async () => {
  // It arrives while the person is typing.
  const typing = await chrome.open();
  const first = await holdFirstSessionCheck(typing.page);
  await typing.page.goto(`${server.url}/sign-in`);
  await typing.page.getByLabel('Name').fill('sam');
  await typing.page.getByLabel('Password').fill(PASSWORD);
  first.release();
  await first.answered;
  assert.equal(await typing.page.getByLabel('Name').inputValue(), 'sam');
  assert.equal(await typing.page.getByLabel('Password').inputValue(), PASSWORD);
  await typing.page.getByRole('button', { name: 'Sign in' }).click();
  await typing.page.getByRole('heading', { name: 'Staff home' }).waitFor();
  assert.deepEqual(typing.page.errors, []);
  await typing.context.close();

  // It arrives after the person has signed in.
  const quick = await chrome.open();
  const late = await holdFirstSessionCheck(quick.page);
  await quick.page.goto(`${server.url}/sign-in`);
  await quick.page.getByLabel('Name').fill('sam');
  await quick.page.getByLabel('Password').fill(PASSWORD);
  await quick.page.getByRole('button', { name: 'Sign in' }).click();
  await quick.page.getByRole('heading', { name: 'Staff home' }).waitFor();
  late.release();
  await late.answered;
  assert.match(await quick.page.locator('.staff-who').innerText(), /Signed in as sam/);
  assert.equal(await quick.page.getByRole('heading', { name: 'Staff home' }).count(), 1);
  assert.deepEqual(quick.page.errors, []);
  await quick.context.close();
});

test('support posts a notice with two fields and one click; users see it without reloading, and it goes when ended', async () => {
  const reader = await chrome.open();
  await reader.page.goto(server.url);
  await reader.page.locator('h1').waitFor();

  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.getByRole('link', { name: 'Post a notice' }).click();
  await page.getByRole('heading', { name: 'Post a notice' }).waitFor();

  // The quickest notice: a title, the words, and Publish. Kind (known problem), audience
  // (everyone) and times (from now, until ended) have defaults shown on the form.
  const title = 'Bulk upload is not working';
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('What users need to know').fill(
    'Uploads fail with “Unknown Server Error”. Try again after 2pm. We will update this notice by then.',
  );
  assert.equal(await page.getByLabel('Known problem', { exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel('Everyone', { exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel('Starts (UK time)').inputValue(), '');
  assert.equal(await page.getByLabel('Ends (UK time)').inputValue(), '');
  assert.ok(await page.getByText('Empty: from the moment you publish.').isVisible());
  assert.ok(await page.getByText('Empty: until you end it.').isVisible());
  // The preview shows it as users will see it, before it is saved.
  const preview = page.locator('.preview');
  await preview.getByText(title).waitFor();
  assert.match(await preview.innerText(), /Known problem · For everyone/);
  assert.match(await preview.innerText(), new RegExp(String.raw`From ${UK_TIME} on `));
  assert.match(await preview.innerText(), /All of TIS/);
  await page.screenshot({ path: join(artifacts, 'staff-notice-form.png'), fullPage: true });
  const previewed = await preview.locator('article.notice').innerText();
  // One click publishes it.
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.getByText(`Published “${title}”. Users can see it now.`).waitFor();

  const listed = await staffGet(page, server.url, '/api/v1/notices?state=active');
  const notice = listed.body.find((n) => n.title === title);
  assert.ok(notice, 'the notice is live');
  assert.equal(notice.kind, 'known_problem');
  // The public are never told a login name: sam has no display name, so "TIS support".
  assert.equal(notice.author, 'TIS support');

  // The reader's page updates itself, and shows the notice exactly as previewed (but for
  // the start time, which became the moment it was published).
  const card = reader.page.locator(`article[data-notice="${notice.id}"]`);
  await card.waitFor();
  const withoutWhen = (text) => text.split('\n').filter((line) => !/^From /.test(line)).join('\n');
  assert.equal(withoutWhen(await card.innerText()), withoutWhen(previewed));
  await reader.page.screenshot({ path: join(artifacts, 'staff-notice-public.png'), fullPage: true });

  await page.getByRole('button', { name: `End now “${title}”` }).click();
  await page.getByText(`Ended “${title}”. Users no longer see it.`).waitFor();
  await page.locator('section[aria-labelledby="ended"]').getByRole('link', { name: title, exact: true }).waitFor();
  await reader.page.getByText(title).first().waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
  await context.close();
  await reader.context.close();
});

test('every problem is shown by its field, nothing typed is lost, and the draft outlives a reload', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/notices/new`);
  const body = 'TIS will not be available while we upgrade it.';
  await page.getByLabel('What users need to know').fill(body);
  await page.getByLabel('Planned maintenance').check();
  await page.getByLabel('Starts (UK time)').fill(ukInput(24 * 60));
  await page.getByLabel('Ends (UK time)').fill(ukInput(23 * 60));
  await page.getByRole('button', { name: 'Publish now' }).click();

  const summary = page.locator('.problem-summary');
  await summary.waitFor();
  assert.equal(await summary.evaluate((el) => el === document.activeElement), true, 'focus moves to the problems');
  assert.match(await summary.innerText(), /Give the notice a title\./);
  assert.match(await summary.innerText(), /The end time must be after the start time\./);
  assert.match(await page.locator('#f-title-error').innerText(), /Give the notice a title\./);
  assert.match(await page.locator('#f-ends_at-error').innerText(), /The end time must be after the start time\./);
  assert.equal(await page.getByLabel('Title', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('What users need to know').inputValue(), body);
  await page.screenshot({ path: join(artifacts, 'staff-notice-problems.png'), fullPage: true });
  // Following a problem's link goes to its field.
  await summary.getByRole('link', { name: 'Give the notice a title.' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-title');

  await page.reload();
  await page.getByText('We kept what you typed before it was saved.').waitFor();
  assert.equal(await page.getByLabel('What users need to know').inputValue(), body);
  assert.equal(await page.getByLabel('Planned maintenance').isChecked(), true);

  await page.getByLabel('Title', { exact: true }).fill('TIS unavailable tomorrow for an upgrade');
  await page.getByLabel('Ends (UK time)').fill(ukInput(26 * 60));
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.getByText(/Published “TIS unavailable tomorrow for an upgrade”\. Users will see it from/).waitFor();
  await page.locator('section[aria-labelledby="starting-later"]')
    .getByRole('link', { name: 'TIS unavailable tomorrow for an upgrade', exact: true }).waitFor();
  // Saved, so the draft is gone: the next notice starts empty.
  await page.goto(`${server.url}/manage/notices/new`);
  await page.getByLabel('Title', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('What users need to know').inputValue(), '');
  assert.equal(await page.getByText('We kept what you typed').count(), 0);
  await context.close();
});

test('when the sign-in has ended, signing in again in place saves what was typed', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/notices/new`);
  const title = 'Form R cannot be submitted';
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('What users need to know').fill('Trainees cannot submit Form R. Save your work and try later.');
  // The sign-in ends (as after 12 hours, or a sign-out in another tab).
  await context.clearCookies();
  await page.getByRole('button', { name: 'Publish now' }).click();
  const again = page.locator('.sign-in-again');
  await again.getByRole('heading', { name: 'Sign in again to carry on' }).waitFor();
  assert.match(await page.locator('.problem-summary').innerText(), /Your sign-in has ended, so nothing was saved/);
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), title);
  await page.screenshot({ path: join(artifacts, 'staff-sign-in-again.png'), fullPage: true });
  assert.equal(await again.getByLabel('Name').inputValue(), 'sam');
  await again.getByLabel('Password').fill(PASSWORD);
  await again.getByRole('button', { name: 'Sign in and save' }).click();
  await page.getByText(`Published “${title}”. Users can see it now.`).waitFor();
  const listed = await staffGet(page, server.url, '/api/v1/notices?state=active');
  assert.ok(listed.body.some((n) => n.title === title));
  await context.close();
});

test('support changes a notice, and a refusal from the server is shown in words', async () => {
  const first = await chrome.open();
  const second = await chrome.open();
  await signIn(first.page, server.url, 'sam');
  await signIn(second.page, server.url, 'sue');
  await first.page.goto(`${server.url}/manage/notices/new`);
  await first.page.getByLabel('Title', { exact: true }).fill('Revalidation is slow');
  await first.page.getByLabel('What users need to know').fill('Pages take a minute to load.');
  await first.page.getByLabel('Information').check();
  await first.page.getByLabel('Revalidation').check();
  await first.page.getByLabel('Admin staff').check();
  await first.page.getByRole('button', { name: 'Publish now' }).click();
  await first.page.getByText('Published “Revalidation is slow”').waitFor();

  // Change it: the form opens with what was saved.
  await first.page.getByRole('link', { name: 'Revalidation is slow', exact: true }).click();
  await first.page.getByRole('heading', { name: 'Change a notice' }).waitFor();
  assert.equal(await first.page.getByLabel('Revalidation').isChecked(), true);
  assert.equal(await first.page.getByLabel('Admin staff').isChecked(), true);
  await first.page.getByLabel('Title', { exact: true }).fill('Revalidation is slow this morning');
  assert.match(await first.page.locator('.preview').innerText(), /Information · For admin staff/);
  assert.match(await first.page.locator('.preview').innerText(), /Revalidation/);
  await first.page.getByRole('button', { name: 'Save changes' }).click();
  await first.page.getByText('Published “Revalidation is slow this morning”').waitFor();

  // Someone else ends it first; ending it again is refused, and the page says why.
  await second.page.goto(`${server.url}/manage/notices`);
  await second.page.getByRole('button', { name: 'End now “Revalidation is slow this morning”' }).click();
  await second.page.getByText('Ended “Revalidation is slow this morning”').waitFor();
  await first.page.getByRole('button', { name: 'End now “Revalidation is slow this morning”' }).click();
  await first.page.locator('.problem-summary').getByText(/has already ended\. Nothing was changed\./).waitFor();
  await first.context.close();
  await second.context.close();
});

test('when the network fails nothing is lost: the words stay in the browser until they are saved', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/notices/new`);
  const title = 'TIS Self-Service is down';
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('What users need to know').fill('Trainees cannot sign in to TIS Self-Service. We are working on it.');
  // The connection drops as the notice is sent.
  await page.route('**/api/v1/notices', (route) => route.abort('internetdisconnected'));
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.locator('.problem-summary').getByText(/We could not reach the status server, so nothing was saved/).waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), title);
  await page.unroute('**/api/v1/notices');

  // Even a closed tab keeps it: a new page in the same browser finds the words again.
  const later = await context.newPage();
  await later.goto(`${server.url}/manage/notices/new`);
  await later.getByText('We kept what you typed before it was saved.').waitFor();
  assert.equal(await later.getByLabel('Title', { exact: true }).inputValue(), title);
  await page.close();
  await later.getByRole('button', { name: 'Publish now' }).click();
  await later.getByText(`Published “${title}”. Users can see it now.`).waitFor();
  await context.close();
});

test('a draft kept by an older version of the page, before the tis-status: names, is still there', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  const draft = {
    title: 'Self-service is slow this morning', body: 'Pages take a minute to open.', kind: 'known_problem',
    services: [], audience: 'everyone', starts: '', ends: '',
  };
  await page.evaluate((d) => localStorage.setItem('tis-status-draft:notice:new', JSON.stringify(d)), draft);
  await page.goto(`${server.url}/manage/notices/new`);
  await page.getByText('We kept what you typed before it was saved.').waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Self-service is slow this morning');
  // Kept under the app's one namespace from now on, and only there.
  const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('notice:new')));
  assert.deepEqual(keys, ['tis-status:draft:notice:new']);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('signing out asks about unsaved work, then deletes it from the browser', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sue');
  await page.goto(`${server.url}/manage/notices/new`);
  const title = 'Bulk upload is slow this morning';
  await page.getByLabel('Title', { exact: true }).fill(title);
  // Kept as typed, so a closed tab loses nothing.
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('tis-status:draft:')));

  await page.getByRole('button', { name: 'Sign out' }).click();
  const check = page.locator('.sign-out-check');
  await check.getByText('You have unsaved work in this browser.').waitFor();
  await page.screenshot({ path: join(artifacts, 'staff-sign-out-unsaved.png'), fullPage: true });
  // Staying keeps the work.
  await check.getByRole('button', { name: 'Stay signed in' }).click();
  await check.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), title);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign out and delete it' }).click();
  await page.waitForURL(`${server.url}/sign-in`);
  const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('draft')));
  assert.deepEqual(kept, [], 'no draft is left for the next person');

  // The next person signs in at the same computer and finds nothing of it.
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/notices/new`);
  await page.getByLabel('Title', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), '');
  assert.equal(await page.getByText('We kept what you typed').count(), 0);
  assert.deepEqual(page.errors, []);
  await context.close();
});
