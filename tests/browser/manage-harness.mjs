// Helpers for the staff pages' browser tests: a real server whose data directory also
// holds real accounts made with the command line, signing in through the page, and
// axe-core checks.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { PATIENCE, SERVER_START } from './harness.mjs';

export const PASSWORD = 'correct horse battery staple';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with cargo xtask test`);
  return value;
}

/** `tis-status account add NAME --role ROLE`, the password on stdin, as an operator does. */
export function addAccount(data, name, role) {
  const done = spawnSync(required('TIS_STATUS_BIN'), ['account', 'add', name, '--role', role, '--data', data], {
    input: `${PASSWORD}\n`,
    encoding: 'utf8',
  });
  if (done.status !== 0) throw new Error(`account add ${name} failed: ${done.stderr}`);
}

/**
 * Starts `tis-status serve` (the built-in demo) on a free port with a fresh data
 * directory holding `accounts` ({name: role}), and resolves once it is running.
 */
export async function startServerWithAccounts(accounts) {
  const data = mkdtempSync(join(tmpdir(), 'tis-status-manage-'));
  for (const [name, role] of Object.entries(accounts)) addAccount(data, name, role);
  const child = spawn(required('TIS_STATUS_BIN'), [
    'serve', '--listen', '127.0.0.1:0', '--data', data, '--assets', required('TIS_STATUS_ASSETS'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), SERVER_START);
    child.stdout.on('data', (d) => {
      const m = /running at (http:\/\/\S+?)\/? /.exec(String(d));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  return {
    url,
    data,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh browser context (its own cookies and local storage) with a page that records
 * errors. `options` are Playwright context options (colorScheme…).
 */
export async function freshPage(browser, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1200, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', ...options,
  });
  context.setDefaultTimeout(PATIENCE);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return { context, page };
}

/** Signs in through the sign-in page and waits for the staff home page. */
export async function signIn(page, url, name) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();
}

/** The accessibility problems axe-core finds on the page as it is now, in words. */
export async function axeViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** The JSON of an API read, with the page's cookies. */
export async function api(page, url, path) {
  const response = await page.request.get(`${url}${path}`);
  return { status: response.status(), body: await response.json() };
}
