// /manage/subscriptions: an admin subscribes another team's system (a webhook receiver on
// 127.0.0.1), is shown its signing secret once, sends a test message that arrives signed,
// and removes it; support staff see that only admins may. axe finds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startBrowser, startServer, signIn, staffGet, accessibilityProblems, PATIENCE } from './harness.mjs';

let server;
let chrome;
let receiver;
const received = [];
let arrived = () => {};

before(async () => {
  server = await startServer({ accounts: { ada: 'admin', sam: 'support' } });
  chrome = await startBrowser();
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
      arrived();
    });
  });
  await new Promise((resolve) => { receiver.listen(0, '127.0.0.1', resolve); });
});

after(async () => {
  receiver?.close();
  await chrome?.stop();
  await server?.stop();
});

/** Waits until a message has arrived that `done` accepts. */
function message(done) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing arrived: ${JSON.stringify(received)}`)), PATIENCE);
    const look = () => {
      const found = received.find(done);
      if (found) { clearTimeout(timer); resolve(found); } else arrived = look;
    };
    look();
  });
}

/** Checks a Standard Webhooks signature the way the specification says receivers do. */
function verify(secret, m) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${m.headers['webhook-id']}.${m.headers['webhook-timestamp']}.${m.body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  const ok = m.headers['webhook-signature'].split(' ').some((s) => {
    const [version, value] = s.split(',');
    const got = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
  assert.ok(ok, `the signature does not verify: ${JSON.stringify(m.headers)}`);
}

test('an admin adds a webhook for another team, sees its secret once, tests it and removes it', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'ada');
  await page.getByRole('link', { name: 'Team subscriptions', exact: true }).click();
  await page.getByRole('heading', { name: 'Subscriptions for other teams', level: 1 }).waitFor();
  await page.getByText('No other team is subscribed yet.').waitFor();

  // Bad input is named field by field.
  await page.getByLabel('Address to send to').fill('http://esr.example/hooks');
  await page.getByRole('button', { name: 'Add subscription' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.getByText('Say who it is for').waitFor();
  await page.locator('#f-url-error').getByText(/must start https:\/\//).waitFor();

  const hook = `http://127.0.0.1:${receiver.address().port}/esr`;
  await page.getByLabel('Who it is for').fill("ESR team's system");
  await page.getByLabel('Address to send to').fill(hook);
  await page.getByLabel('ESR integration').check();
  await page.getByLabel(/^Status changes/).check();
  await page.getByRole('button', { name: 'Add subscription' }).click();
  await page.getByText("ESR team's system is subscribed.").waitFor();
  const secret = await page.locator('#new-secret').textContent();
  assert.match(secret, /^whsec_/);
  const row = page.locator('table.channel-subscriptions tbody tr').filter({ hasText: "ESR team's system" });
  await row.getByText(`http://127.0.0.1:${receiver.address().port}/…`).waitFor();
  await row.getByText('ESR integration').waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);

  // The list never shows the secret or the whole address again.
  const { body: listed } = await staffGet(page, server.url, '/api/v1/subscriptions/channels');
  assert.ok(!JSON.stringify(listed).includes(secret));
  assert.ok(!JSON.stringify(listed).includes('/esr'));

  await row.getByRole('button', { name: "Send a test message to ESR team's system" }).click();
  await page.getByText("A test message to ESR team's system is on its way.").waitFor();
  const got = await message((m) => m.path === '/esr' && JSON.parse(m.body).test);
  verify(secret, got);
  const body = JSON.parse(got.body);
  assert.match(body.test.message, /Nothing is wrong/);
  assert.ok(body.page.status_indicator);
  assert.ok(!got.body.includes('ada'), 'no staff names go to other teams');
  // The page looks again by itself and says it arrived.
  await row.getByText(/^Last message arrived/).waitFor({ timeout: PATIENCE });

  page.once('dialog', (d) => d.accept());
  await row.getByRole('button', { name: "Remove ESR team's system" }).click();
  await page.getByText("ESR team's system gets nothing more from TIS Status.").waitFor();
  await page.getByText('No other team is subscribed yet.').waitFor();
  const { body: after } = await staffGet(page, server.url, '/api/v1/subscriptions/channels');
  assert.deepEqual(after.subscriptions, []);
  assert.deepEqual(await accessibilityProblems(page), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('support staff are told only admins manage subscriptions for other teams', async () => {
  const { page, context } = await chrome.open();
  await signIn(page, server.url, 'sam');
  await page.goto(`${server.url}/manage/subscriptions`);
  await page.getByText('Only admins can see and change these subscriptions.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add subscription' }).count(), 0);
  const { status } = await staffGet(page, server.url, '/api/v1/subscriptions/channels');
  assert.equal(status, 403);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});
