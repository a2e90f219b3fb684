// The glossary behind the plain-English hints: editors change it in the page, and the
// hints follow at once; support can read it; signing out ends the staff pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, startServer, signIn, staffGet } from './harness.mjs';

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

test('an editor changes the glossary and the hints follow it', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'eddie');
  await page.getByRole('link', { name: 'Glossary' }).click();
  await page.getByLabel('Term 1', { exact: true }).waitFor();
  const terms = page.locator('.glossary-row');
  const count = await terms.count();
  // Remove "hotfix"; add "ESR", first as a repeat of an existing term to see the problem.
  const values = await page.locator('.glossary-row input[id$="-term"]').evaluateAll((inputs) => inputs.map((i) => i.value));
  const hotfix = values.indexOf('hotfix');
  assert.ok(hotfix >= 0, `the built-in terms are listed: ${values}`);
  await page.getByRole('button', { name: `Remove term ${hotfix + 1}`, exact: true }).click();
  await page.getByRole('button', { name: 'Add a term' }).click();
  await page.getByLabel(`Term ${count}`, { exact: true }).fill('docker');
  await page.getByRole('button', { name: 'Save the glossary' }).click();
  await page.locator('.problem-summary').getByText('"docker" is listed more than once. Remove the repeat.').waitFor();
  await page.locator('.problem-summary').getByText('Say what to write instead, in plain words.').waitFor();
  await page.getByLabel(`Term ${count}`, { exact: true }).fill('ESR');
  await page.locator('.glossary-row').last().getByLabel('Say instead').fill('the link to the NHS payroll system');
  await page.getByRole('button', { name: 'Save the glossary' }).click();
  await page.getByText(`Saved. The hints now use these ${count} terms.`).waitFor();
  const saved = (await staffGet(page, server.url, '/api/v1/glossary')).body.terms;
  assert.ok(saved.some((t) => t.term === 'ESR'));
  assert.ok(!saved.some((t) => t.term === 'hotfix'));

  await page.getByRole('link', { name: 'Notices', exact: true }).click();
  await page.getByRole('link', { name: 'Post a notice' }).click();
  await page.getByLabel('What users need to know').fill('A hotfix for ESR is ready.');
  await page.getByText('Readers may not know "ESR". Try "the link to the NHS payroll system".').waitFor();
  assert.equal(await page.getByText('Readers may not know "hotfix"').count(), 0);
  await context.close();
});

test('support reads the glossary but cannot change it, and signing out ends the staff pages', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/glossary`);
  await page.getByText('Only editors can change this list. You can read it.').waitFor();
  assert.equal(await page.getByLabel('Term 1', { exact: true }).isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Save the glossary' }).isDisabled(), true);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.url}/sign-in`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  assert.equal((await staffGet(page, server.url, '/api/v1/session')).status, 401);
  await page.goto(`${server.url}/manage/notices`);
  await page.getByRole('heading', { name: 'Sign in to manage TIS Status' }).waitFor();
  await context.close();
});
