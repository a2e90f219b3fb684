// Staff sign in with their TIS (Keycloak) account, through a real OpenID Provider set up
// like a Keycloak realm (./openid-provider.mjs): each mapped role lands on the pages its
// role allows, a person without a mapped role is refused in words, spoilt ID tokens are
// refused, signing out ends both sign-ins, a role taken away stops working at the next
// check, and with the provider stopped an emergency account still signs in, posts a
// notice and the team is told through a real, signature-checked webhook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startBrowser, startServer, staffGet, accessibilityProblems, screenshot, PASSWORD, PATIENCE,
} from './harness.mjs';
import { startProvider, freePort } from './openid-provider.mjs';

const CLIENT_SECRET = 'the tis-status client secret in the realm';
const HOOK_SECRET = `whsec_${Buffer.from('a webhook signing secret for tests').toString('base64')}`;

let provider;
let server;
let chrome;
let receiver;
let dir;
/** What the team's webhook received: { type, data, verified }. */
const received = [];

/** Standard Webhooks: HMAC-SHA256 of "id.timestamp.body" with the secret's bytes. */
function verified(headers, body) {
  const key = Buffer.from(HOOK_SECRET.slice('whsec_'.length), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest('base64');
  return String(headers['webhook-signature'] || '').split(' ').includes(`v1,${expected}`);
}

before(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  provider = await startProvider({
    users: {
      sam: { password: 'sam-keycloak-password', roles: ['tis-status-support'] },
      eddie: { password: 'eddie-keycloak-password', roles: ['tis-status-editor', 'tis-status-support'] },
      ada: { password: 'ada-keycloak-password', roles: ['tis-status-admin'] },
      remy: { password: 'remy-keycloak-password', roles: ['tis-status-editor'] },
      nora: { password: 'nora-keycloak-password', roles: ['tis-admins-ui'] },
    },
    client: {
      id: 'tis-status', secret: CLIENT_SECRET,
      redirectUri: `${url}/auth/oidc/callback`, postLogoutUri: `${url}/sign-in`,
    },
  });
  receiver = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const message = JSON.parse(body);
    received.push({ ...message, verified: verified(req.headers, body) });
    res.end();
  });
  await new Promise((resolve) => { receiver.listen(0, '127.0.0.1', resolve); });
  process.env.OIDC_CLIENT_SECRET = CLIENT_SECRET;
  process.env.TEAM_HOOK_URL = `http://127.0.0.1:${receiver.address().port}/hook`;
  process.env.TEAM_HOOK_SECRET = HOOK_SECRET;
  dir = mkdtempSync(join(tmpdir(), 'tis-status-oidc-'));
  const config = join(dir, 'tis.toml');
  writeFileSync(config, `[server]
public_url = "${url}"

[[channel]]
id = "tis-team"
kind = "webhook"
url_env = "TEAM_HOOK_URL"
secret_env = "TEAM_HOOK_SECRET"

[[alert]]
channels = ["tis-team"]

[auth.oidc]
issuer = "${provider.issuer}"
client_id = "tis-status"
client_secret_env = "OIDC_CLIENT_SECRET"
roles_claim = "/resource_access/tis-status/roles"
recheck_after = "2s"

[auth.oidc.roles]
"tis-status-support" = "support"
"tis-status-editor" = "editor"
"tis-status-admin" = "admin"
`);
  server = await startServer({ config, listen: `127.0.0.1:${port}`, accounts: { 'break.glass': 'support' } });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.stop();
  await server?.stop();
  await provider?.stop();
  await new Promise((resolve) => { receiver?.close(resolve); });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** From the sign-in page, through the realm's own login page, as `name`. */
async function signInWithTis(page, name, password = provider.users[name].password) {
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole('link', { name: 'Sign in with your TIS account' }).click();
  await page.getByRole('heading', { name: 'Sign in to your account' }).waitFor();
  await page.getByLabel('Username or email').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign In' }).click();
}

async function sessionStatus(page) {
  return (await page.request.get(`${server.url}/api/v1/session`)).status();
}

test('the sign-in page offers the TIS account first, and the emergency account below it', async () => {
  const { page, context } = await chrome.open();
  await page.goto(`${server.url}/sign-in`);
  const tis = page.getByRole('link', { name: 'Sign in with your TIS account' });
  await tis.waitFor();
  const emergency = page.getByRole('heading', { name: 'Keycloak not working? Use your emergency account' });
  await emergency.waitFor();
  await page.getByRole('button', { name: 'Sign in with emergency account' }).waitFor();
  // The TIS account comes first in the page, the emergency form after it.
  const order = await page.evaluate(() => {
    const link = [...document.querySelectorAll('a')].find((a) => a.textContent.includes('Sign in with your TIS account'));
    const heading = document.getElementById('emergency-heading');
    return Boolean(link.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(order, 'the emergency account is below the TIS account');
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, 'oidc-sign-in-page');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('each mapped role lands on the staff pages that role allows', async () => {
  // Support: notices and updates, no incidents of their own, refused by the API too.
  {
    const { page, context } = await chrome.open();
    await signInWithTis(page, 'sam');
    await page.getByRole('heading', { name: 'Staff home' }).waitFor();
    await page.locator('.staff-who', { hasText: 'Signed in as sam (support: notices and incident updates)' }).waitFor();
    await page.getByRole('link', { name: 'Post a notice' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Open an incident' }).count(), 0);
    const { body: who } = await staffGet(page, server.url, '/api/v1/session');
    assert.equal(who.role, 'support');
    const refused = await page.request.post(`${server.url}/api/v1/incidents`, {
      data: { title: 'Bulk upload fails', impact: 'major', status: 'investigating', body: 'We are looking into it.' },
      headers: { 'x-csrf-token': who.csrf_token },
    });
    assert.equal(refused.status(), 403);
    await context.close();
  }
  // Editor: incidents too, but no admin tools.
  {
    const { page, context } = await chrome.open();
    await signInWithTis(page, 'eddie');
    await page.getByRole('heading', { name: 'Staff home' }).waitFor();
    await page.locator('.staff-who', { hasText: 'Signed in as eddie (editor: incidents, updates and reports)' }).waitFor();
    await page.getByRole('link', { name: 'Open an incident' }).waitFor();
    await page.goto(`${server.url}/manage/alerts`);
    await page.locator('table.alert-channels').getByRole('cell', { name: 'tis-team', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Send a test alert/ }).count(), 0);
    await context.close();
  }
  // Admin: everything, including sending a test alert.
  {
    const { page, context } = await chrome.open();
    await signInWithTis(page, 'ada');
    await page.getByRole('heading', { name: 'Staff home' }).waitFor();
    await page.locator('.staff-who', { hasText: 'Signed in as ada (admin: everything)' }).waitFor();
    await page.goto(`${server.url}/manage/alerts`);
    await page.getByRole('button', { name: 'Send a test alert to tis-team' }).waitFor();
    assert.deepEqual(page.errors, []);
    await context.close();
  }
});

test('a person with none of the mapped roles is told so in words and gets no session', async () => {
  const { page, context } = await chrome.open();
  await signInWithTis(page, 'nora');
  await page.getByRole('heading', { name: 'You cannot use the staff pages yet' }).waitFor();
  await page.getByText("your TIS account does not have access to the status page's staff pages").waitFor();
  await page.getByText('tis-status-support').waitFor();
  assert.equal(await sessionStatus(page), 401);
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, 'oidc-no-access');
  // A wrong Keycloak password is the realm's business: nobody gets this far.
  const other = await chrome.open();
  await signInWithTis(other.page, 'sam', 'not sam-s password');
  await other.page.getByText('Invalid username or password.').waitFor();
  assert.equal(await sessionStatus(other.page), 401);
  await other.context.close();
  await context.close();
});

test('a tampered or an expired ID token is refused', async () => {
  const spoilt = [
    ['tamper', 'could not be trusted: its signature does not match what it says'],
    ['expire', 'could not be trusted: it had expired'],
  ];
  for (const [mode, words] of spoilt) {
    provider.spoil(mode);
    const { page, context } = await chrome.open();
    try {
      await signInWithTis(page, 'sam');
      await page.getByRole('heading', { name: 'Signing in with your TIS account did not work' }).waitFor();
      await page.getByText(words).waitFor();
      assert.equal(await sessionStatus(page), 401, `${mode}: no session`);
    } finally {
      provider.spoil(null);
      await context.close();
    }
  }
  // The same person, with honest tokens, gets in.
  const { page, context } = await chrome.open();
  await signInWithTis(page, 'sam');
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();
  await context.close();
});

test('signing out ends our sign-in and Keycloak\'s', async () => {
  const { page, context } = await chrome.open();
  await signInWithTis(page, 'eddie');
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  // By way of the realm's sign-out, back to our sign-in page.
  await page.waitForURL(`${server.url}/sign-in`);
  await page.getByRole('link', { name: 'Sign in with your TIS account' }).waitFor();
  assert.equal(await sessionStatus(page), 401);
  // Keycloak asks for the password again, rather than signing straight back in.
  await page.getByRole('link', { name: 'Sign in with your TIS account' }).click();
  await page.getByRole('heading', { name: 'Sign in to your account' }).waitFor();
  assert.equal(await page.getByLabel('Username or email').inputValue(), '');
  await context.close();
});

test('a role taken away in Keycloak stops working at the next check', async () => {
  const { page, context } = await chrome.open();
  await signInWithTis(page, 'remy');
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();
  provider.users.remy.roles = [];
  // Each request is a chance for the check, due two seconds after signing in.
  const deadline = Date.now() + PATIENCE;
  while (await sessionStatus(page) === 200) {
    if (Date.now() > deadline) throw new Error('the session outlived the role');
    await page.waitForTimeout(200);
  }
  await page.goto(`${server.url}/manage`);
  await page.getByRole('heading', { name: 'Sign in to manage TIS Status' }).waitFor();
  await page.getByRole('link', { name: 'Sign in with your TIS account' }).waitFor();
  await context.close();
});

test('with Keycloak stopped, an emergency account still signs in, posts a notice, and the team is told', async () => {
  await provider.stop();
  const { page, context } = await chrome.open();
  // The TIS account way says in words that Keycloak cannot be reached.
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole('link', { name: 'Sign in with your TIS account' }).click();
  await page.getByRole('heading', { name: 'Signing in with your TIS account did not work' }).waitFor();
  await page.getByText('We could not reach Keycloak, where TIS accounts are checked: it did not answer.').waitFor();
  await page.getByRole('link', { name: 'Back to sign in' }).click();
  await page.getByRole('heading', { name: 'Keycloak not working? Use your emergency account' }).waitFor();

  await page.getByLabel('Name').fill('break.glass');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in with emergency account' }).click();
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();

  await page.getByRole('link', { name: 'Post a notice' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Signing in to TIS is not working');
  await page.getByLabel('What users need to know').fill('We are fixing it. You do not need to do anything.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.getByText('Published “Signing in to TIS is not working”').waitFor();
  const notices = await (await fetch(`${server.url}/api/v1/notices`)).json();
  assert.ok(notices.some((n) => n.title === 'Signing in to TIS is not working'), 'the public sees the notice');

  const deadline = Date.now() + PATIENCE;
  while (!received.some((m) => m.type === 'alert.emergency_sign_in')) {
    if (Date.now() > deadline) throw new Error(`no emergency alert: ${JSON.stringify(received)}`);
    await page.waitForTimeout(200);
  }
  const alert = received.find((m) => m.type === 'alert.emergency_sign_in');
  assert.ok(alert.verified, 'signed with the channel secret');
  assert.equal(alert.data.title, 'break.glass signed in with an emergency account');
  assert.ok(alert.data.facts.some((f) => f.label === 'Signed in' && /(GMT|BST)/.test(f.value)));
  assert.ok(!JSON.stringify(alert).includes(PASSWORD), 'never the password');
  assert.deepEqual(page.errors, []);
  await context.close();
});
