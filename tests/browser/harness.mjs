// Starts the real tis-status server (built by xtask) on a free port with a fresh data
// directory, and a real headless Chromium, for the browser tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, '..', 'artifacts');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with cargo xtask test`);
  return value;
}

/** Starts `tis-status serve` and resolves with its URL once it says it is running. */
export async function startServer(extraArgs = []) {
  const data = mkdtempSync(join(tmpdir(), 'tis-status-test-'));
  const child = spawn(required('TIS_STATUS_BIN'), [
    'serve', '--listen', '127.0.0.1:0', '--data', data,
    '--assets', required('TIS_STATUS_ASSETS'), ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    child.stdout.on('data', (d) => {
      const m = /running at (http:\/\/\S+?)\/? /.exec(String(d));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  return {
    url,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
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
  return {
    browser,
    async stop() {
      await browser.close();
    },
  };
}
