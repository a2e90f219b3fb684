// /manage/alerts: an admin sends a test alert to a channel and sees it delivered; support
// sees what was sent but has no test button. The demo's channel is the server's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, startServer, signIn, staffGet, accessibilityProblems } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ accounts: { ada: 'admin', sam: 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
});

test('an admin sends a test alert from the alerts page and sees it delivered', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'ada');
  await page.getByRole('link', { name: 'Alerts', exact: true }).click();
  await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  const channels = page.locator('table.alert-channels');
  await channels.getByRole('cell', { name: 'server-log', exact: true }).waitFor();
  await channels.getByRole('cell', { name: 'Server log' }).waitFor();
  await page.getByRole('button', { name: 'Send a test alert to server-log' }).click();
  await page.getByText('A test alert to server-log is on its way.').waitFor();
  // The page looks again by itself until the delivery is done.
  const row = page.locator('table.alert-deliveries tbody tr').filter({ hasText: 'Test alert from TIS Status' });
  await row.getByText(/^Delivered/).waitFor({ timeout: 30_000 });
  await row.getByText('ada sent this to check that alerts reach this channel.').waitFor();
  const { body } = await staffGet(page, server.url, '/api/v1/alerts');
  const sent = body.deliveries.find((d) => d.alert.kind === 'test');
  assert.equal(sent.channel, 'server-log');
  assert.equal(sent.state, 'delivered');
  assert.match(server.log(), /ALERT: Test alert from TIS Status/);
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('support sees the alerts sent but cannot send a test alert', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/alerts`);
  await page.locator('table.alert-channels').getByRole('cell', { name: 'server-log', exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Send a test alert/ }).count(), 0);
  // Nor through the API with the session's own CSRF token: the role is what refuses it.
  const { body: session } = await staffGet(page, server.url, '/api/v1/session');
  const refused = await page.request.post(`${server.url}/api/v1/alerts/test`, {
    data: { channel: 'server-log' },
    headers: { 'x-csrf-token': session.csrf_token },
  });
  assert.equal(refused.status(), 403);
  assert.match((await refused.json()).detail, /admin/);
  await context.close();
});
