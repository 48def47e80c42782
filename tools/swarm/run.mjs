// The swarm suite: against the stack tools/swarm/deploy.sh deployed, through
// the gateway, with the load client of the chaos suite running all along in a
// process of its own (tools/chaos/load.mjs: people sign up and in, hold an
// activity stream open, send money round a ring with Idempotency-Keys, and
// read their account every 250 ms). One line per check, the figures, then
// "swarm-checks: N passed, N failed".
//   1. GET /api/account spreads over every api replica (the api request logs);
//   2. live streams held by different replicas receive each other's events;
//   3. throughput of GET /api/account with 1 and with 3 api replicas (same run);
//   4. `docker service update --image flotilla/api:<tag>-next`: 0 failed
//      requests while it runs, p99 printed;
//   5. `docker service rollback`: the same;
//   6. `docker kill` of one api task: the 5xx/no-answer count, the task replaced;
//   7. afterwards: every key settled, every activity row reached its stream once.
//
//   SWARM_STACK=flotilla-swarm PUBLIC_URL=http://localhost:8090 FLOTILLA_TAG=dev node tools/swarm/run.mjs
// Knobs: SWARM_USERS (4), SWARM_THROUGHPUT_S (5), SWARM_THROUGHPUT_CONNECTIONS (16).
import { execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { register, send, signIn } from '../chaos/http.mjs';
import { ActivityStream } from '../chaos/sse.mjs';
import { docker, psql, waitFor } from '../chaos/faults.mjs';
import { load as autocannon } from '../bench/lib/common.mjs';
import { keysSettled, liveEvents, requestsPerTask, spread, streamUpstreams, windowFigures } from './checks.mjs';

const STACK = process.env.SWARM_STACK ?? 'flotilla-swarm';
const BASE = (process.env.PUBLIC_URL ?? 'http://localhost:8090').replace(/\/$/, '');
const TAG = process.env.FLOTILLA_TAG ?? 'dev';
const USERS = Number(process.env.SWARM_USERS ?? 4);
const THROUGHPUT_S = Number(process.env.SWARM_THROUGHPUT_S ?? 5);
const CONNECTIONS = Number(process.env.SWARM_THROUGHPUT_CONNECTIONS ?? 16);
const REPLICAS = 3;
const API = `${STACK}_api`;
const DEADLINE_MS = Number(process.env.SWARM_DEADLINE_MS ?? 360_000);

const started = Date.now();
const RUN = randomBytes(4).toString('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => console.log(`[swarm] ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}`);
let passed = 0;
let failed = 0;
const figures = [];
function check(name, ok, detail) {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${name}: ${detail}`);
}

const dir = mkdtempSync(join(tmpdir(), 'flotilla-swarm-'));
const client = fork(new URL('../chaos/load.mjs', import.meta.url), [], {
  env: {
    ...process.env,
    CHAOS_BASE_URL: BASE,
    CHAOS_RUN_ID: `swarm${RUN}`,
    CHAOS_USERS: String(USERS),
    CHAOS_RECORD: join(dir, 'record.json'),
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const waiting = new Map();
let finishing = false;
function finish(code) {
  if (finishing) return;
  finishing = true;
  client.kill();
  rmSync(dir, { recursive: true, force: true });
  console.log(`swarm-checks: ${passed} passed, ${failed} failed`);
  process.exit(code);
}
client.on('message', (message) => {
  if (message.type === 'error') {
    check('load-client', false, message.message);
    finish(1);
  }
  waiting.get(message.type)?.(message);
});
client.on('exit', (code) => {
  if (code && !finishing) {
    check('load-client', false, `exited with ${code}`);
    finish(1);
  }
});
const ask = (type, answer, timeoutMs) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the load client did not answer ${type} in ${timeoutMs / 1000} s`)), timeoutMs);
    waiting.set(answer, (message) => (clearTimeout(timer), waiting.delete(answer), resolve(message)));
    if (type) client.send({ type });
  });
setTimeout(() => {
  check('deadline', false, `the run did not finish within ${DEADLINE_MS / 1000} s`);
  finish(1);
}, DEADLINE_MS).unref();

// --- swarm helpers -----------------------------------------------------------------
/** A docker command that waits for a rollout (faults.mjs's docker() gives up at 120 s). */
const rollout = async (...args) => (await promisify(execFile)('docker', args, { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
const containers = async (service) =>
  (await docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_${service}`)).split('\n').filter(Boolean);
async function apiReady(replicas = REPLICAS) {
  const ids = await containers('api');
  if (ids.length !== replicas) return false;
  const health = await docker('inspect', '--format', '{{.State.Health.Status}}', ...ids);
  return health.split('\n').every((h) => h === 'healthy');
}
/** The gateway follows DNS (re-resolves every second, reloads): give it a moment after a change. */
const gatewayFollows = () => sleep(3000);
async function serviceLogs(service, since) {
  const out = await docker('service', 'logs', '--no-trunc', '--since', since, `${STACK}_${service}`);
  return out.split('\n');
}
const account = (jar, userAgent) => send(jar, `${BASE}/api/account`, { headers: userAgent ? { 'user-agent': userAgent } : {}, timeoutMs: 5000 });
async function money(user, path, body) {
  for (let i = 0; ; i += 1) {
    const answer = await send(user.jar, `${BASE}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), 'x-csrf-token': user.jar.get('csrf_token') ?? '' },
      body: JSON.stringify(body),
    });
    if (answer.status >= 200 && answer.status < 300) return;
    if (i > 10) throw new Error(`POST /api/${path}: ${answer.status ?? answer.error} ${answer.text ?? ''}`);
    await sleep(500);
  }
}

async function main() {
  const ready = await ask(undefined, 'ready', 180_000);
  log(`load client ready (${ready.users.length} people, streams open); go`);
  client.send({ type: 'go' });
  const postgres = (await containers('postgres'))[0];

  // The suite's own three people: spread, streams, throughput.
  const people = [];
  for (const n of [0, 1, 2]) {
    const person = {
      email: `swarm-${RUN}-${n}@swarm.flotilla.test`,
      displayName: `Swarm ${RUN} ${n}`,
      password: `swarm of the flotilla ${RUN} ${n} ${randomBytes(6).toString('hex')}`,
    };
    await register(BASE, person);
    const jar = await signIn(BASE, person);
    const me = JSON.parse((await account(jar)).text);
    people.push({ ...person, jar, userId: me.userId });
  }
  log('three more people signed in for the checks');

  // 1. spread
  {
    const since = new Date(Date.now() - 1000).toISOString();
    const ua = `flotilla-swarm-spread-${RUN}`;
    const n = 30;
    let ok200 = 0;
    for (let i = 0; i < n; i += 1) if ((await account(people[0].jar, ua)).status === 200) ok200 += 1;
    await sleep(1000);
    const counts = requestsPerTask(await serviceLogs('api', since), ua, '/api/account');
    const result = spread(counts, REPLICAS, n);
    check('spread', result.ok && ok200 === n, `${result.detail}; ${ok200} answered 200`);
  }

  // 2. streams on different replicas receive each other's events
  {
    let distinct = 0;
    let delivered = false;
    let detail = '';
    for (let round = 0; round < 4 && distinct < 2; round += 1) {
      const since = new Date(Date.now() - 1000).toISOString();
      const uas = people.map((_, i) => `flotilla-swarm-stream-${RUN}-${round}-${i}`);
      const streams = people.map((p, i) => new ActivityStream(BASE, p.jar, p.email, { 'user-agent': uas[i] }));
      for (const s of streams) void s.run();
      await waitFor(async () => streams.every((s) => s.connections.some((c) => c.status === 200)) || undefined, { timeoutMs: 20_000 });
      // A ring of transfers: each stream's events come from requests the other replicas served.
      for (const p of people) await money(p, 'deposits', { amount: 1000 });
      for (const [i, p] of people.entries()) await money(p, 'transfers', { recipientEmail: people[(i + 1) % 3].email, amount: 10, note: `swarm-${RUN}` });
      const inList = people.map((p) => `'${p.userId}'`).join(',');
      const activity = new Map(people.map((p) => [p.userId, []]));
      const caughtUp = async () => {
        activity.forEach((rows) => rows.splice(0));
        for (const [u, seq] of await psql(postgres, 'ledger', `SELECT user_id, sequence FROM activity WHERE user_id IN (${inList})`)) activity.get(u).push(seq);
        return liveEvents(people.map((p, i) => ({ userId: p.userId, receipts: streams[i].receipts })), activity).ok || undefined;
      };
      delivered = Boolean(await waitFor(caughtUp, { timeoutMs: 20_000, everyMs: 500 }));
      for (const s of streams) s.stop();
      await sleep(1500);
      distinct = streamUpstreams(await serviceLogs('gateway', since), uas).size;
      const events = liveEvents(people.map((p, i) => ({ userId: p.userId, receipts: streams[i].receipts })), activity);
      detail = `3 streams held by ${distinct} replicas; ${events.rows} activity rows, ${events.missing} missing, ${events.duplicated} duplicated (round ${round + 1})`;
      if (!delivered) break;
    }
    check('streams-cross-replica', delivered && distinct >= 2, detail);
  }

  // 3. throughput, 1 then 3 replicas, same run
  const spec = { url: `${BASE}/api/account`, headers: { cookie: people[1].jar.header(`${BASE}/api/account`) }, connections: CONNECTIONS, duration: THROUGHPUT_S };
  const throughput = {};
  const scaleWindow = { start: Date.now() };
  for (const replicas of [1, 3]) {
    await rollout('service', 'scale', '--detach=false', `${API}=${replicas}`);
    await waitFor(() => apiReady(replicas).then((ok) => ok || undefined), { timeoutMs: 90_000 });
    await gatewayFollows();
    const result = await autocannon(spec);
    const bad = result.non2xx + result.errors + result.timeouts;
    throughput[replicas] = { rps: result.rps, p99: result.p99, bad };
    log(`throughput with ${replicas} api replica(s): ${Math.round(result.rps)} req/s, p99 ${result.p99} ms, ${bad} not 2xx`);
  }
  scaleWindow.end = Date.now();
  const ratio = throughput[3].rps / throughput[1].rps;
  figures.push(
    `throughput GET /api/account through the gateway (${CONNECTIONS} connections, ${THROUGHPUT_S} s each): 1 replica ${Math.round(throughput[1].rps)} req/s, 3 replicas ${Math.round(throughput[3].rps)} req/s, ratio ${ratio.toFixed(2)}`,
  );
  check('throughput-clean', throughput[1].bad === 0 && throughput[3].bad === 0, `every request 2xx at 1 and 3 replicas (${throughput[1].bad} + ${throughput[3].bad} not)`);

  // 4./5. rolling update and rollback under the load
  const next = `flotilla/api:${TAG}-next`;
  await docker('tag', `flotilla/api:${TAG}`, next);
  const update = { start: Date.now() };
  await rollout('service', 'update', '--detach=false', '--no-resolve-image', '--image', next, API);
  update.end = Date.now();
  const updated = await docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', API);
  log(`update: ${updated} in ${((update.end - update.start) / 1000).toFixed(1)} s`);
  const rollback = { start: Date.now() };
  await rollout('service', 'rollback', '--detach=false', API);
  rollback.end = Date.now();
  const rolledBack = await docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', API);
  log(`rollback: ${rolledBack} in ${((rollback.end - rollback.start) / 1000).toFixed(1)} s`);
  await waitFor(() => apiReady().then((ok) => ok || undefined), { timeoutMs: 60_000 });

  // 6. kill one task
  await gatewayFollows();
  const victim = (await containers('api'))[0];
  const kill = { start: Date.now() };
  await docker('kill', victim);
  const replaced = await waitFor(
    async () => ((await containers('api')).length === REPLICAS && !(await containers('api')).includes(victim) && (await apiReady()) ? true : undefined),
    { timeoutMs: 90_000, everyMs: 500 },
  );
  kill.replacedMs = Date.now() - kill.start;
  await gatewayFollows();
  kill.end = Date.now();

  // 7. stop, settle, judge
  await ask('stop', 'stopped', 60_000);
  await ask('resolve', 'resolved', 60_000);
  const users = ready.users.map((u) => u.userId);
  const inList = users.map((u) => `'${u}'`).join(',');
  const drainBy = Date.now() + 30_000;
  for (;;) {
    const rows = new Map((await psql(postgres, 'ledger', `SELECT user_id, count(*) FROM activity WHERE user_id IN (${inList}) GROUP BY user_id`)).map(([u, n]) => [u, Number(n)]));
    const { received } = await ask('counts', 'counts', 10_000);
    if (users.every((u) => (received[u] ?? 0) >= (rows.get(u) ?? 0)) || Date.now() > drainBy) break;
    await sleep(1000);
  }
  await ask('finish', 'finished', 30_000);
  const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));
  const attempts = [...record.attempts, ...record.probe];

  for (const [name, window, verb] of [
    ['rolling-update', update, `docker service update --image ${next}`],
    ['rollback', rollback, 'docker service rollback'],
  ]) {
    const w = windowFigures(attempts, window);
    const seconds = ((window.end - window.start) / 1000).toFixed(1);
    check(name, w.sent > 0 && w.failed === 0, `${verb} (${seconds} s): ${w.sent} requests, ${w.failed} failed${w.failed ? ` (${w.statuses.join(' ')})` : ''}, p99 ${w.p99} ms`);
    figures.push(`${name}: ${w.sent} requests in ${seconds} s, ${w.failed} failed, p99 ${w.p99} ms`);
  }
  {
    const w = windowFigures(attempts, kill);
    // At most one request in flight per load-client worker (each person's transfers, the probe).
    const bound = USERS + 1;
    check(
      'kill-one-task',
      Boolean(replaced) && w.failed <= bound,
      `docker kill of one api task: ${w.sent} requests until it was replaced and followed, ${w.failed} failed (5xx or no answer${w.failed ? `: ${w.statuses.join(' ')}` : ''}; at most ${bound} can be in flight), replaced in ${(kill.replacedMs / 1000).toFixed(1)} s`,
    );
    figures.push(`kill: ${w.failed} of ${w.sent} requests failed; replaced in ${(kill.replacedMs / 1000).toFixed(1)} s`);
  }
  {
    const w = windowFigures(attempts, scaleWindow);
    figures.push(`scaling 3 → 1 → 3 under the load client: ${w.sent} requests, ${w.failed} failed`);
  }
  const settled = keysSettled(record.keys);
  check('keys-settled', settled.ok, settled.detail);
  const activity = new Map(users.map((u) => [u, []]));
  for (const [u, seq] of await psql(postgres, 'ledger', `SELECT user_id, sequence FROM activity WHERE user_id IN (${inList})`)) activity.get(u).push(seq);
  const events = liveEvents(record.streams, activity);
  const reconnects = record.streams.reduce((n, s) => n + s.connections.length - 1, 0);
  check('no-lost-events', events.ok, `${events.rows} activity rows over ${record.streams.length} streams (${reconnects} reconnections), ${events.missing} missing, ${events.duplicated} duplicated`);
  for (const figure of figures) console.log(`[swarm] figure: ${figure}`);
}

main().then(
  () => finish(failed ? 1 : 0),
  (error) => {
    check('suite', false, String(error?.stack ?? error));
    finish(1);
  },
);
