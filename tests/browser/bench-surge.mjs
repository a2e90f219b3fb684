// A crowd opening the active incident's page, as during an outage: each simulated reader
// makes the requests the page makes (the page, its stylesheet, the app's code, the
// incident, the services, each affected service's check history, and the live-update
// stream), over connections of its own (a cold browser). Run by `cargo xtask bench
// surge` against a running server:
//
//   node tests/browser/bench-surge.mjs http://127.0.0.1:PORT [readers] [seconds]
//
// Reports the latency of every request (p50, p99, slowest), the errors, and whether the
// probes kept their schedule meanwhile: every service's last check no older than two of
// its intervals, sampled every two seconds.
import http from 'node:http';

const [base, readersArg = '2000', secondsArg = '60'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node tests/browser/bench-surge.mjs URL [readers] [seconds]');
  process.exit(2);
}
const readers = Number(readersArg);
const seconds = Number(secondsArg);
const TIMEOUT_MS = 10_000;

/** One GET: resolves with status, bytes and milliseconds; never rejects. */
function get(agent, path, { headers = {}, stream = false } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status, bytes, error) => resolve({ path, status, bytes, ms: performance.now() - started, error });
    const req = http.get(new URL(path, base), {
      agent,
      headers: { 'accept-encoding': 'br, gzip', ...headers },
      timeout: TIMEOUT_MS,
    }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        // A live stream never ends: its first event is the answer.
        if (stream) { req.destroy(); done(res.statusCode, bytes); }
      });
      res.on('end', () => done(res.statusCode, bytes));
      res.on('error', (e) => { if (!stream) done(res.statusCode, bytes, e.message); });
    });
    req.on('timeout', () => { req.destroy(); done(0, 0, 'timed out'); });
    req.on('error', (e) => { if (!req.destroyed || !stream) done(0, 0, e.message); });
  });
}

async function json(path) {
  const response = await fetch(new URL(path, base));
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// What the page is made of, found the way a browser finds it.
const summary = await json('/api/v1/summary');
const incident = summary.incidents[0];
if (!incident) throw new Error('there is no active incident to open');
const page = `/incidents/${incident.id}`;
const html = await (await fetch(new URL(page, base))).text();
const files = [
  ...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g),
  ...html.matchAll(/tisStatusLoad\("([^"]+)", "([^"]+)"\)/g),
].flatMap((m) => m.slice(1));
const intervals = {};
for (const s of summary.services) {
  const detail = await json(`/api/v1/services/${s.id}`);
  const checked = detail.probes.filter((p) => p.kind !== 'heartbeat');
  if (checked.length) intervals[s.id] = Math.min(...checked.map((p) => p.interval_seconds));
}

/** The check-history window the incident page asks for (see src/pages/incident.rs). */
function historyPath(service, now) {
  const started = Date.parse(incident.started_at);
  const from = new Date(Math.max(started - 3600_000, now - 14 * 86400_000));
  const to = new Date(now);
  return `/api/v1/services/${encodeURIComponent(service)}/history?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}

async function reader() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  const out = [await get(agent, page)];
  out.push(...await Promise.all(files.map((f) => get(agent, f))));
  out.push(...await Promise.all([
    get(agent, `/api/v1/incidents/${incident.id}`),
    get(agent, '/api/v1/services'),
    get(agent, '/api/v1/events', { stream: true, headers: { accept: 'text/event-stream' } }),
    ...incident.affected.map((a) => get(agent, historyPath(a.service, Date.now()))),
  ]));
  agent.destroy();
  return out;
}

// Probes on schedule: sampled while the crowd is in.
let worst = { ratio: 0, service: null, age: 0, interval: 0 };
let late = 0;
let samples = 0;
const monitor = setInterval(async () => {
  try {
    const now = Date.now();
    const list = await json('/api/v1/services');
    samples += 1;
    for (const s of list.services) {
      const interval = intervals[s.id];
      if (!interval || !s.last_checked) continue;
      const age = (now - Date.parse(s.last_checked)) / 1000;
      const ratio = age / interval;
      if (ratio > worst.ratio) worst = { ratio, service: s.id, age, interval };
      if (ratio > 2) late += 1;
    }
  } catch {
    late += 1;
  }
}, 2000);

const started = performance.now();
const runs = [];
for (let i = 0; i < readers; i += 1) {
  const due = (i * seconds * 1000) / readers;
  const wait = due - (performance.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  runs.push(reader());
}
const results = (await Promise.all(runs)).flat();
clearInterval(monitor);
const elapsed = (performance.now() - started) / 1000;

const errors = results.filter((r) => r.error || r.status >= 400 || r.status === 0);
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
const byKind = {};
for (const r of results) {
  const kind = r.path.replace(/\?.*/, '').replace(/\/incidents\/\d+/, '/incidents/N').replace(/\/services\/[^/]+\/history/, '/services/ID/history').replace(/-[0-9a-f]{12,16}/, '-HASH');
  (byKind[kind] ||= []).push(r.ms);
}
console.log(`${readers} readers opened ${page} within ${seconds} s (took ${elapsed.toFixed(0)} s), ${results.length} requests:`);
for (const [kind, list] of Object.entries(byKind)) {
  list.sort((a, b) => a - b);
  console.log(`  ${kind.padEnd(40)} p50 ${list[Math.floor(list.length / 2)].toFixed(1).padStart(7)} ms  p99 ${list[Math.min(list.length - 1, Math.floor(list.length * 0.99))].toFixed(1).padStart(7)} ms`);
}
console.log(`latency of every request: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, slowest ${times[times.length - 1].toFixed(1)} ms (target: p99 under 50 ms)`);
console.log(`errors: ${errors.length} (target: 0)${errors.length ? ` e.g. ${errors.slice(0, 3).map((e) => `${e.path} ${e.status} ${e.error || ''}`).join('; ')}` : ''}`);
console.log(`probes: ${late === 0 ? 'on time' : `LATE in ${late} samples`}; oldest last check ${worst.age.toFixed(0)} s for a ${worst.interval} s interval (${worst.service}), ${samples} samples (target: within 2 intervals)`);
console.log(JSON.stringify({ readers, requests: results.length, p50_ms: pct(50), p99_ms: pct(99), max_ms: times[times.length - 1], errors: errors.length, probes_late_samples: late, worst_check_age_intervals: worst.ratio }));
