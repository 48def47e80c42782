#!/usr/bin/env node
/* CPU profile of the API build under the read-path load:
     node tools/bench/profile.mjs [seconds]
   Starts dist/main.js with --cpu-prof (production, info logs), loads
   GET /api/account with a Bearer token from a separate process, stops the API,
   and prints the heaviest functions by self time and the heaviest packages.
   The .cpuprofile stays in the printed directory (open it in Chrome DevTools). */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTIONS, RUN_ID, createIssuer, load } from './lib/common.mjs';
import { startApi } from './servers.mjs';

const seconds = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-profile-'));
const issuer = await createIssuer();
const token = await issuer.sign({ sub: randomUUID(), scope: 'ledger:read', email: `bench-profile-${RUN_ID}@bench.invalid` });
const api = await startApi(issuer, 'API profiled', {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const spec = { url: `${api.url}/api/account`, headers: { authorization: `Bearer ${token}` }, connections: CONNECTIONS };
await load({ ...spec, duration: 2 });
const result = await load({ ...spec, duration: seconds });
await api.stop();
issuer.close();

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const interval = (profile.endTime - profile.startTime) / profile.samples.length;
for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
const total = profile.samples.length;
const fn = new Map();
const pkg = new Map();
for (const [id, count] of self) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url.replace(/^file:\/\//, '').replace(process.cwd(), '.');
  const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + count);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  const p = m ? m[1] : where.includes('dist/main.js') ? 'apps/api (bundle: our code + libs)' : where.startsWith('node:') ? 'node core' : callFrame.url ? where : callFrame.functionName;
  pkg.set(p, (pkg.get(p) ?? 0) + count);
}
const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
console.log(`${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms over ${seconds} s; ${total} samples of ${(interval / 1000).toFixed(2)} ms; profile: ${join(dir, file)}\n`);
console.log('self time by package:\n' + top(pkg, 15).join('\n'));
console.log('\nself time by function:\n' + top(fn, 30).join('\n'));
process.exit(0);
