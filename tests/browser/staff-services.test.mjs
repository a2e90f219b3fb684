// /manage/services: a batch job reports in over HTTP as its crontab line would (start,
// then fail with a message), and support staff see those reports on the service's page,
// with what each check said; the public pages never show the job's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, startServer, signIn, cli, accessibilityProblems, UK_TIME } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ accounts: { sam: 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

/** A report from the job, as `curl -fsS -X POST -H "Authorization: Bearer …"` sends it. */
async function report(path, token, message) {
  const response = await fetch(`${server.url}/api/v1/heartbeats/esr-integration/3${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: message,
  });
  assert.equal(response.status, 200, await response.text());
}

test('support sees a heartbeat\'s reports, run time and message on the service page', async () => {
  // A token of the test's own: the demo's job made one at start, which this replaces.
  const token = cli(server.data, ['heartbeat', 'token', 'esr-integration/3']);
  const message = 'ESR file was empty: nothing sent to esr-gw-01';
  await report('/start', token);
  await report('/fail', token, message);

  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.getByRole('link', { name: 'See how services are checked' }).click();
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  const esr = page.getByRole('link', { name: 'ESR integration' });
  await esr.waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  await esr.click();
  await page.getByRole('heading', { name: 'ESR integration', level: 1 }).waitFor();

  const pings = page.locator('table.heartbeat-pings');
  const failed = pings.locator('tbody tr').filter({ hasText: message });
  await failed.waitFor();
  await failed.getByRole('cell', { name: 'Failed', exact: true }).waitFor();
  // The run time is worked out from its start, in words.
  await failed.getByText(/^\d+ seconds?$/).waitFor();
  // UK time with its zone, GMT in winter and BST in summer.
  await failed.getByText(new RegExp(String.raw`^${UK_TIME} on \w+day \d{1,2} \w+ \d{4}$`)).waitFor();
  await pings.locator('tbody tr').filter({ hasText: 'Started' }).first().waitFor();
  // The heartbeat's failure reaches status, and staff read what the job said.
  await page.locator('.service-status-line').getByText('The ESR export reported a failure at').waitFor();
  await page.locator('table.probe-results').getByText(message).first().waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);

  // The public page says the job failed, never what it said.
  const publicPage = await chrome.page();
  await publicPage.goto(`${server.url}/services/esr-integration`);
  await publicPage.getByText('The ESR export reported a failure at').first().waitFor();
  assert.equal(await publicPage.getByText('esr-gw-01').count(), 0);
  await publicPage.context().close();
  await context.close();
});
