#!/usr/bin/env node
/* One command per benchmark; every server and the load generator in its own process.
     node tools/bench/run.mjs read      GET /api/account: API build vs raw vs Express peer (± token cache)
     node tools/bench/run.mjs write     POST /api/transfers (ring of senders) vs raw pg transaction; deposits by concurrency
     node tools/bench/run.mjs live      live-feed latency (commit → SSE event, p50/p95) under the write path's transfer load
     node tools/bench/run.mjs all       all three
   --short (or BENCH_SHORT=1): 1 s runs, for CI: shows each works and prints figures, asserts no timings.
   Env: BENCH_SECONDS (10), BENCH_ROUNDS (3, minimum 3), BENCH_CONNECTIONS (32), LEDGER_DATABASE_URL, AMQP_URL;
        BENCH_API_COMPARE=/path/to/main.js adds another API build (e.g. one from before a change) to the read rounds.
   Needs the API built (npx nx build api) and tools/dev-services.sh running; migrates the ledger DB itself. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR, machineLine, ROOT, SECONDS, ROUNDS, CONNECTIONS, SHORT } from './lib/common.mjs';

const which = process.argv[2] ?? 'read';
const known = { read: './read.mjs', write: './write.mjs', live: './live.mjs' };
const selected = which === 'all' ? Object.keys(known) : [which];
if (selected.some((name) => !known[name])) {
  console.error(`usage: node tools/bench/run.mjs <${[...Object.keys(known), 'all'].join('|')}> [--short]`);
  process.exit(2);
}
if (!existsSync(join(ROOT, 'apps/api/dist/main.js'))) {
  console.error('apps/api/dist/main.js is missing: run `npx nx build api` first');
  process.exit(2);
}
// The Express peer's own dependencies live in tools/bench/package.json (kept out of the workspace).
if (!existsSync(join(ROOT, 'tools/bench/node_modules/express'))) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', join(ROOT, 'tools/bench')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
// The ledger schema, as the compose migrate job brings it up before the API starts.
execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
  cwd: join(ROOT, 'apps/api'),
  env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});

console.log(machineLine());
console.log(
  `autocannon in its own process, ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} interleaved rounds (min–max)` +
    `${SHORT ? ' — SHORT MODE: figures show it works, not how fast' : ''}; server logs in ${LOG_DIR}\n`,
);
// Each benchmark counts as a check for tools/ci/summarize.mjs: it ran, every
// response was a 2xx, and the ledger still balances. No timing is asserted.
let passed = 0;
let failed = 0;
for (const name of selected) {
  const started = Date.now();
  try {
    const { default: bench } = await import(known[name]);
    await bench();
    passed += 1;
    console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  } catch (error) {
    failed += 1;
    console.error(`${name} benchmark failed: ${error instanceof Error ? error.stack : error}\n`);
  }
}
console.log(`bench-checks: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
