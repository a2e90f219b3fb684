// The first view of the overview on a slow network, measured in a real Chromium: what
// crosses the wire (compressed as served), how long until the first service status is
// on screen, and how long until the app has taken over the server's copy of the page
// (interactive: the app's own controls answer from then on). Run by `cargo xtask bench page` against a running server:
//
//   node tests/browser/bench-page.mjs http://127.0.0.1:PORT [runs]
//
// Every run is a cold cache (a fresh browser context). The network is throttled through
// the DevTools protocol to 150 ms latency and 1.6 Mbit/s down (750 kbit/s up), the
// "slow 4G" of Lighthouse, close to a busy hospital network.
import { chromium } from 'playwright-core';

const [url, runsArg = '5'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node tests/browser/bench-page.mjs URL [runs]');
  process.exit(2);
}
const runs = Number(runsArg);
const KBIT = 1000 / 8;
const CONDITIONS = {
  offline: false,
  latency: 150,
  downloadThroughput: 1600 * KBIT,
  uploadThroughput: 750 * KBIT,
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function once() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Notes the moment the first service status appears, in ms since navigation started.
  // A status in the document is on screen once the page has been painted with it (the
  // stylesheet holds painting back), so the moment is the later of the two.
  await context.addInitScript(() => {
    let inDocument;
    let painted;
    const settle = () => {
      if (inDocument !== undefined && painted !== undefined) {
        window.__firstStatus = Math.max(inDocument, painted);
      }
    };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.name === 'first-contentful-paint') { painted = entry.startTime; settle(); }
      }
    }).observe({ type: 'paint', buffered: true });
    new MutationObserver((_, observer) => {
      if (inDocument === undefined && document.querySelector('.service .status-label')) {
        inDocument = performance.now();
        settle();
      }
      // The app shows its own copy and removes the server's in one step (src/lib.rs).
      const app = document.getElementById('tis-app');
      if (app && !app.hidden && !document.getElementById('tis-page') && app.querySelector('.service .status-label')) {
        window.__interactive = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', CONDITIONS);
  const requests = new Map();
  // Requests on their way, but for the event stream, which stays open for good.
  const pending = new Map();
  let settled = () => {};
  const finish = (requestId) => {
    pending.delete(requestId);
    if (pending.size === 0) settled();
  };
  const starts = new Map();
  cdp.on('Network.requestWillBeSent', ({ requestId, request, timestamp }) => {
    starts.set(requestId, timestamp);
    if (new URL(request.url).pathname !== '/api/v1/events') pending.set(requestId, request.url);
  });
  cdp.on('Network.loadingFailed', ({ requestId }) => finish(requestId));
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    requests.set(requestId, {
      started: starts.get(requestId),
      path: new URL(response.url).pathname + new URL(response.url).search,
      encoding: response.headers['content-encoding'] || response.headers['Content-Encoding'] || 'none',
      status: response.status,
      bytes: 0,
      done: false,
    });
  });
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const r = requests.get(requestId);
    if (r) {
      r.bytes = encodedDataLength;
      r.done = true;
    }
    finish(requestId);
  });
  // Navigation start, on the clock the protocol's timestamps use (seconds).
  let navigated;
  cdp.on('Network.requestWillBeSent', ({ timestamp, type }) => {
    if (type === 'Document' && navigated === undefined) navigated = timestamp;
  });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__firstStatus !== undefined, null, { timeout: 60_000, polling: 50 });
  const ms = await page.evaluate(() => window.__firstStatus);
  await page.waitForFunction(() => window.__interactive !== undefined, null, { timeout: 60_000, polling: 50 });
  const interactive = await page.evaluate(() => window.__interactive);
  // Let what the first view asked for finish arriving (the event stream never does).
  if (pending.size > 0) {
    await new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`still loading after 60 s: ${[...pending.values()].join(' ')}`)), 60_000);
      settled = () => { clearTimeout(deadline); resolve(); };
    });
  }
  // What the reader waited for: everything asked for before the status was on screen.
  const list = [...requests.values()].filter((r) => r.done)
    .map((r) => ({ ...r, beforeStatus: (r.started - navigated) * 1000 < ms }));
  await context.close();
  return { ms, interactive, list };
}

const results = [];
for (let i = 0; i < runs; i += 1) results.push(await once());
await browser.close();

const times = results.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const first = results[0].list;
const total = first.reduce((sum, r) => sum + r.bytes, 0);
const firstView = first.filter((r) => r.beforeStatus).reduce((sum, r) => sum + r.bytes, 0);
const pad = (s, n) => String(s).padEnd(n);
console.log('over the wire (headers and body, compressed as served); * = asked for before the status was on screen:');
for (const r of first) {
  console.log(`  ${r.beforeStatus ? '*' : ' '} ${pad(r.path, 46)} ${pad(r.status, 4)} ${pad(r.encoding, 6)} ${(r.bytes / 1024).toFixed(1).padStart(7)} KB`);
}
console.log(`  ${pad('first view: until the status is on screen', 60)} ${(firstView / 1024).toFixed(1).padStart(7)} KB (target: at most 100 KB)`);
console.log(`  ${pad('everything in the first 3 s after, the app included', 60)} ${(total / 1024).toFixed(1).padStart(7)} KB`);
console.log(`time to the first service status, 150 ms latency, 1.6 Mbit/s, cold cache, ${runs} runs:`);
console.log(`  median ${median.toFixed(0)} ms, fastest ${times[0].toFixed(0)} ms, slowest ${times[times.length - 1].toFixed(0)} ms (target: at most 500 ms)`);
const ready = results.map((r) => r.interactive).sort((a, b) => a - b);
const readyMedian = ready[Math.floor(ready.length / 2)];
console.log(`time until the app has taken over (interactive), same conditions, ${runs} runs:`);
console.log(`  median ${readyMedian.toFixed(0)} ms, fastest ${ready[0].toFixed(0)} ms, slowest ${ready[ready.length - 1].toFixed(0)} ms`);
console.log(JSON.stringify({
  first_view_bytes: firstView,
  all_bytes: total,
  first_status_ms: { median, min: times[0], max: times[times.length - 1] },
  interactive_ms: { median: readyMedian, min: ready[0], max: ready[ready.length - 1] },
}));
