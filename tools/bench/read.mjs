/* The read path as users see it: GET /api/account with a Bearer token.
   The API from its build, the raw node:http + pg limit, and an Express 5 peer
   with and without a verified-token cache, each in its own process, measured in
   interleaved rounds; then each at 70 % of its own median maximum for the p99.
   Targets (issue #16): API ≥ 0.75 × raw, ≥ 1.5 × the Express peer with the same
   token cache, p99 ≤ 20 ms at 70 % of max. Printed, never asserted. */
import { randomUUID } from 'node:crypto';
import { CONNECTIONS, RUN_ID, SECONDS, SHORT, assertClean, createIssuer, interleave, load, median, table, withSpread } from './lib/common.mjs';
import { startApi, startExpress, startRaw } from './servers.mjs';

export default async function read() {
  const issuer = await createIssuer();
  const userId = randomUUID();
  const token = await issuer.sign({ sub: userId, scope: 'ledger:read ledger:write', email: `bench-read-${RUN_ID}@bench.invalid`, name: 'bench reader' });

  const api = await startApi(issuer);
  // The first call opens the reader's account the way a new user's first request does.
  const opened = await fetch(`${api.url}/api/account`, { headers: { authorization: `Bearer ${token}` } });
  if (opened.status !== 200) throw new Error(`API GET /api/account: ${opened.status} ${await opened.text()}`);
  // BENCH_API_COMPARE=/path/to/main.js: another API build (e.g. before a change) in the same rounds;
  // with BENCH_AB=1 only the two API builds run (a quick A/B of one change).
  const ab = process.env.BENCH_AB === '1' && process.env.BENCH_API_COMPARE;
  const targets = ab ? [api] : [api, await startRaw(userId), await startExpress(issuer, false), await startExpress(issuer, true)];
  if (process.env.BENCH_API_COMPARE) targets.push(await startApi(issuer, 'API (BENCH_API_COMPARE build)', {}, [], process.env.BENCH_API_COMPARE));
  for (const t of targets) {
    const r = await fetch(`${t.url}/api/account`, { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200) throw new Error(`${t.name}: GET /api/account ${r.status} ${await r.text()}`);
  }
  const specFor = (t, extra = {}) => ({
    url: `${t.url}/api/account`,
    headers: { authorization: `Bearer ${token}` },
    connections: CONNECTIONS,
    duration: SECONDS,
    ...extra,
  });

  // Warm-up: JIT, pools, caches (not in short mode, which only shows the bench works).
  if (!SHORT) for (const t of targets) await load(specFor(t, { duration: 3 }));
  const max = await interleave(targets, (t) => specFor(t));
  for (const t of targets) assertClean(t.name, max.get(t.name));
  const maxRps = (t) => median(max.get(t.name).map((r) => r.rps));
  const steady = await interleave(targets, (t) => specFor(t, { overallRate: Math.max(1, Math.floor(maxRps(t) * 0.7)) }));
  for (const t of targets) assertClean(t.name, steady.get(t.name));

  console.log(`## read path: GET /api/account, Bearer token (${CONNECTIONS} connections)\n`);
  const rps = (t) => max.get(t.name).map((r) => r.rps);
  const perRound = (a, b) => rps(a).map((v, i) => v / rps(b)[i]);
  // Both passes (max and 70 %) count: CPU per request barely depends on the rate.
  const cpu = (t) => [...max.get(t.name), ...steady.get(t.name)].map((r) => r.cpuUsPerRequest);
  const [apiT, rawT, expT, expCacheT] = targets;
  if (ab) {
    const other = targets[1];
    table(
      ['server', 'req/s (max)', 'CPU µs per request', 'p99 at max, ms', 'p99 at 70 %, ms', 'req/s ÷ compare build (per round)'],
      targets.map((t) => [t.name, withSpread(rps(t)), withSpread(cpu(t)), withSpread(max.get(t.name).map((r) => r.p99)), withSpread(steady.get(t.name).map((r) => r.p99)), withSpread(perRound(t, other), 2)]),
    );
    for (const t of targets) await t.stop();
    issuer.close();
    return;
  }
  table(
    ['server', 'req/s (max)', 'CPU µs per request', 'p99 at max, ms', 'rate at 70 %', 'p99 at 70 %, ms', 'API ÷ this, req/s (per round)', 'log lines'],
    targets.map((t) => [
      t.name,
      withSpread(rps(t)),
      withSpread(cpu(t)),
      withSpread(max.get(t.name).map((r) => r.p99)),
      `${Math.floor(maxRps(t) * 0.7)}/s`,
      withSpread(steady.get(t.name).map((r) => r.p99)),
      t === apiT ? '—' : withSpread(perRound(apiT, t), 2),
      String(t.logLines()),
    ]),
  );
  const ratio = (b) => median(perRound(apiT, b)).toFixed(2);
  console.log(
    `\nAPI ÷ raw = ${ratio(rawT)} (target ≥ 0.75); API ÷ Express peer with token cache = ${ratio(expCacheT)} (target ≥ 1.5); ` +
      `API ÷ Express peer = ${ratio(expT)}; API p99 at 70 % = ${median(steady.get(apiT.name).map((r) => r.p99))} ms (target ≤ 20)`,
  );
  for (const t of targets) await t.stop();
  issuer.close();
}
