// `make loadtest`: drives a real server from a second process on loopback — buyer search
// (API), supplier profile pages and sign-in — first closed-loop to measure capacity, then
// open-loop at a fixed rate (1× and 2× that capacity) for a fixed time, and prints
// throughput, latency percentiles and errors for each. At 2× a healthy server sheds the
// excess with 503 + Retry-After (ANCHORLINK_MAX_IN_FLIGHT) instead of letting latency grow
// without bound.
//
// Environment: LOADTEST_SUPPLIERS (default 5000), LOADTEST_SECONDS per phase (default 15),
// LOADTEST_MAX_IN_FLIGHT (the server's limit, default 64 here so 2× overloads it visibly).

import { join } from 'node:path';
import { startServer, PASSWORD, REPO } from '../tests/browser/server.mjs';

const SUPPLIERS = Number(process.env.LOADTEST_SUPPLIERS ?? 5000);
const SECONDS = Number(process.env.LOADTEST_SECONDS ?? 15);
const MAX_IN_FLIGHT = process.env.LOADTEST_MAX_IN_FLIGHT ?? '64';
const QUERIES = ['cleaning', 'grounds maintenance', 'catering', 'IT support', 'building repairs',
  'printing', 'security guards', 'waste collection', 'landscaping', 'consultancy'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startServer({
  // the release build's own assets, as `make release` makes them
  siteRoot: join(REPO, 'target', 'site-release'),
  seed: { suppliers: SUPPLIERS, randomSeed: 7 },
  users: [{ email: 'load@council.example', role: 'buyer', organisation: 'Load Council' }],
  env: {
    // Every simulated visitor has its own address, as behind a proxy, so the per-client
    // rate limits apply per visitor rather than to the whole test.
    ANCHORLINK_CLIENT_IP_HEADER: 'X-Forwarded-For',
    ANCHORLINK_MAX_IN_FLIGHT: MAX_IN_FLIGHT,
    RUST_LOG: 'error',
  },
});

let counter = 0;
const visitor = () => `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter++ & 255}`;

try {
  const token = server.cli(['tokens', 'issue', '--email', 'load@council.example']).trim();
  const ids = await (await fetch(`${server.baseURL}/api/v1/suppliers?per_page=100`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  const profileIds = ids.results.map((r) => r.id);

  // The mix: 70% searches, 25% profile pages, 5% sign-ins (each an argon2 hash).
  const requests = [
    ...Array(14).fill(() => ({
      kind: 'search',
      url: `${server.baseURL}/api/v1/suppliers?q=${encodeURIComponent(QUERIES[counter % QUERIES.length])}&near=PR1&within_km=40`,
      init: { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': visitor() } },
    })),
    ...Array(5).fill(() => ({
      kind: 'profile',
      url: `${server.baseURL}/suppliers/${profileIds[counter % profileIds.length]}`,
      init: { headers: { accept: 'text/html', 'x-forwarded-for': visitor() } },
    })),
    () => ({
      kind: 'sign-in',
      url: `${server.baseURL}/api/sign-in`,
      init: {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.baseURL,
          'x-forwarded-for': visitor(),
        },
        body: new URLSearchParams({ email: 'load@council.example', password: PASSWORD, next: '/' }).toString(),
      },
    }),
  ];
  const next = (i) => requests[i % requests.length]();

  async function one(i, stats) {
    const { kind, url, init } = next(i);
    const started = performance.now();
    try {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      const ms = performance.now() - started;
      const ok = res.status < 400;
      stats.latencies.push(ms);
      if (res.status === 503) stats.shed++;
      else if (!ok) stats.errors[`${kind} ${res.status}`] = (stats.errors[`${kind} ${res.status}`] ?? 0) + 1;
      else stats.ok++;
    } catch (e) {
      stats.errors[`${kind} ${e.cause?.code ?? e.message}`] = (stats.errors[`${kind} ${e.cause?.code ?? e.message}`] ?? 0) + 1;
    }
  }

  const fresh = () => ({ ok: 0, shed: 0, errors: {}, latencies: [] });
  const pct = (xs, p) => {
    if (!xs.length) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  };
  const report = (name, stats, seconds, rate) => {
    const done = stats.ok + stats.shed + Object.values(stats.errors).reduce((a, b) => a + b, 0);
    console.log([
      name.padEnd(22),
      rate ? `${rate.toFixed(0).padStart(5)}/s offered` : '     closed loop',
      `${(stats.ok / seconds).toFixed(1).padStart(7)}/s served`,
      `p50 ${pct(stats.latencies, 50).toFixed(1).padStart(7)} ms`,
      `p99 ${pct(stats.latencies, 99).toFixed(1).padStart(7)} ms`,
      `shed ${String(stats.shed).padStart(5)} (503)`,
      `errors ${JSON.stringify(stats.errors)}`,
      `of ${done}`,
    ].join('  '));
  };

  // Warm-up, the same for every phase: every kind of request a few times.
  for (let i = 0; i < 60; i++) await one(i, fresh());

  // Capacity: 32 clients back to back for the phase's time.
  const capacity = fresh();
  const end = Date.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < end) await one(i++, capacity);
  }));
  const measured = capacity.ok / SECONDS;
  report('capacity (32 clients)', capacity, SECONDS);

  // Open loop: a request every 1/rate seconds whatever the answers, for the phase's time.
  for (const factor of [1, 2]) {
    const rate = measured * factor;
    const stats = fresh();
    const pending = [];
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < SECONDS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (sent < due) pending.push(one(sent++, stats));
      await sleep(2);
    }
    await Promise.all(pending);
    report(`open loop at ${factor}×`, stats, SECONDS, rate);
  }
  console.log(`(${SUPPLIERS} suppliers; mix 70% API search, 25% profile pages, 5% sign-ins; ` +
    `ANCHORLINK_MAX_IN_FLIGHT=${MAX_IN_FLIGHT}; ${SECONDS} s per phase)`);
} finally {
  await server.stop();
}
