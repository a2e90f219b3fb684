// The one fixture module of the browser tests, public pages and staff pages alike: the
// real tis-status server (built by xtask) with a fresh data directory and real accounts
// made with its command line, a real headless Chromium with one viewport, locale and time
// zone for every page, and axe-core with one rule set. Helpers here act as a user or as
// TIS staff would: through the browser, the command line and the API.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, '..', 'artifacts');

/**
 * How long any wait for something on the page may take before the test fails. The tests
 * wait for conditions, never for a time, so this only decides how slowly a machine may
 * answer: with both cores busy building, a debug server and a cold Chromium take many
 * times what they take on an idle machine. Speed targets live in `cargo xtask bench`.
 */
export const PATIENCE = 90_000;
/** How long a started server may take to say it is running. */
export const SERVER_START = 120_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with cargo xtask test`);
  return value;
}

/**
 * A UK clock time as the app writes it, with its zone: "9am GMT", "12:17am BST", "midnight GMT".
 * One pattern for every test, so none fails only because it ran near midnight or midday.
 */
export const UK_TIME = String.raw`(?:\d{1,2}(?::\d\d)?[ap]m|midnight|midday) (?:GMT|BST)`;

/** The password of every account the tests make. */
export const PASSWORD = 'correct horse battery staple';

/**
 * Every page is opened as a reader in the UK on a laptop would see it: the times the
 * pages write are UK time whatever the machine's zone, and tests read them as such.
 */
const CONTEXT = { viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' };

/** Runs a `tis-status` command on `data` and returns what it printed. */
export function cli(data, args, input = '') {
  const run = spawnSync(required('TIS_STATUS_BIN'), [...args, '--data', data], { input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tis-status ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout.trim();
}

/**
 * Starts `tis-status serve` with the built-in demo (or the config file `config`) and
 * resolves once it says it is running. Tokens for `roles` (e.g. ['support', 'editor', 'prober']) are created first
 * and returned in `tokens`; `accounts` ({ name: role }) are made with `tis-status
 * account add`, each with the password PASSWORD, as an operator does.
 */
export async function startServer({ roles = [], accounts = {}, config, listen = '127.0.0.1:0' } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'tis-status-test-'));
  const tokens = {};
  for (const role of roles) tokens[role] = cli(data, ['token', 'create', '--name', `test-${role}`, '--role', role]);
  for (const [name, role] of Object.entries(accounts)) cli(data, ['account', 'add', name, '--role', role], `${PASSWORD}\n`);
  const server = { data, tokens, config, url: null, child: null, log: '' };
  await run(server, listen);
  return {
    get url() { return server.url; },
    tokens,
    data,
    log: () => server.log,
    /** Stops the process, keeping its data: the API goes away. */
    async pause() { await halt(server); },
    /** Starts it again on the same address and data: the API comes back. */
    async resume() { await run(server, new URL(server.url).host); },
    async stop() {
      await halt(server);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

async function run(server, listen) {
  const child = spawn(required('TIS_STATUS_BIN'), [
    'serve', '--listen', listen, '--data', server.data,
    '--assets', required('TIS_STATUS_ASSETS'),
    ...(server.config ? ['--config', server.config] : []),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.child = child;
  child.stderr.on('data', (d) => { server.log += d; });
  server.url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${server.log}`)), SERVER_START);
    child.stdout.on('data', (d) => {
      const m = /running at (http:\/\/\S+?)\/? /.exec(String(d));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${server.log}`)); });
  });
}

async function halt(server) {
  const child = server.child;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Calls the server's API with a bearer token, as a support tool or script would. Any
 * refusal fails the test: the server must take every good write at the first try.
 */
export async function api(server, method, path, { token, body } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function startBrowser() {
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    // Playwright gives each launch a fresh, empty profile of its own.
  });
  const chrome = {
    browser,
    /**
     * A page in a fresh context (its own cookies, storage and cache), with the errors
     * its scripts throw in `page.errors`. Options are Playwright context options
     * (colorScheme…) over the common ones. Returns { page, context }.
     */
    async open(options = {}) {
      // The service worker would answer requests before page.route sees them, so tests
      // that route requests work without it; tests of the worker ask for it.
      const context = await browser.newContext({ ...CONTEXT, serviceWorkers: 'block', ...options });
      context.setDefaultTimeout(PATIENCE);
      const page = await context.newPage();
      if (options.javaScriptEnabled !== false) {
        // The server writes each page's content into its HTML; the app then draws its
        // own and puts it in place. Tests act on the app, so they start once it has.
        for (const name of ['goto', 'reload']) {
          const original = page[name].bind(page);
          page[name] = async (...args) => {
            const response = await original(...args);
            await page.waitForFunction(() => !document.getElementById('tis-page'));
            return response;
          };
        }
      }
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      return { page, context };
    },
    /** The page alone of `open(options)`. */
    async page(options = {}) {
      return (await chrome.open(options)).page;
    },
    async stop() {
      await browser.close();
    },
  };
  return chrome;
}

/** Signs in through the sign-in page as `name` and waits for the staff home page. */
export async function signIn(page, url, name) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Staff home' }).waitFor();
}

/** An API read made with the page's cookies (as the signed-in person): { status, body }. */
export async function staffGet(page, url, path) {
  const response = await page.request.get(`${url}${path}`);
  return { status: response.status(), body: await response.json() };
}

/** Waits until the demo's probes have answered and the overview says so. */
export async function waitForWorking(page, service = 'sign-in') {
  await page.locator(`.service[data-service="${service}"] .status-label`, { hasText: 'Working' })
    .waitFor({ timeout: PATIENCE });
}

/**
 * Waits until the server has worked out its first trends from the days it has
 * stored, which it does a moment after it starts. An open page asks for trends again
 * only every five minutes, so a page opened before then shows no uptime for that long.
 */
export async function waitForTrends(server) {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const trends = await (await fetch(`${server.url}/api/v1/trends`)).json();
    if (trends.services.length > 0 && trends.services.every((s) => s.uptime_percent !== null)) return;
    if (Date.now() > deadline) throw new Error(`no trends after ${PATIENCE / 1000} s: ${JSON.stringify(trends)}`);
    // Asking again: this waits for the trends, not for a time.
    await new Promise((resolve) => { setTimeout(resolve, 250); });
  }
}

/**
 * Runs axe-core on the page as it is and returns the violations, described: the WCAG 2.2
 * AA rules UK public-sector sites must meet, and axe's best practices, on every page.
 */
export async function accessibilityProblems(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Saves a screenshot of the whole page in tests/artifacts. */
export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** An ISO time `minutes` from now (negative for the past). */
export function minutesFromNow(minutes) {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

/**
 * Tomorrow's UK date, as a date field takes it (`2026-12-03`): the calendar day after
 * today in London, which is not always 24 hours away (the clocks change on two days a year).
 */
export function ukTomorrow() {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  const [year, month, day] = today.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}
