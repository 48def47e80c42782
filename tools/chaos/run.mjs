// The chaos suite (issue 11, "Under faults nothing is lost"): runs the load
// client (load.mjs, its own process) against the composed stack through the
// gateway, and meanwhile kills RabbitMQ (SIGKILL) and starts it again several
// times, restarts the api, kills PostgreSQL and starts it again. Then it checks
// what the databases, the broker and the clients hold (checks.mjs) and prints
// one line per check, the figures, and `chaos-checks: N passed, N failed`.
//
//   STACK_COMPOSE="docker-compose -p flotilla-e2e -f docker-compose.yml" node tools/chaos/run.mjs
//
// tools/stack/checks/90-chaos.sh runs it inside tools/stack/e2e.sh. Knobs
// (environment): CHAOS_BASE_URL (default $PUBLIC_URL or http://localhost:8080),
// CHAOS_USERS (6), CHAOS_FAULTS ("broker api broker postgres broker"),
// CHAOS_DOWN_MS (3000: how long a killed service stays down), CHAOS_OBSERVE_MS
// (8000: traffic after each recovery), CHAOS_STRICT (1; see KNOWN_FAILING).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { evaluate } from './checks.mjs';
import {
  apiAnswering,
  brokerAccepting,
  containerIds,
  docker,
  latestSequence,
  postgresAccepting,
  psql,
  queues,
  waitFor,
} from './faults.mjs';

const BASE = (
  process.env.CHAOS_BASE_URL ??
  process.env.PUBLIC_URL ??
  'http://localhost:8080'
).replace(/\/$/, '');
const FAULTS = (process.env.CHAOS_FAULTS ?? 'broker api broker postgres broker')
  .split(/[\s,]+/)
  .filter(Boolean);
const DOWN_MS = Number(process.env.CHAOS_DOWN_MS ?? 3000);
const OBSERVE_MS = Number(process.env.CHAOS_OBSERVE_MS ?? 8000);
const WARMUP_MS = Number(process.env.CHAOS_WARMUP_MS ?? 6000);
// The whole run stops by itself well inside the stage budget (5 minutes).
const DEADLINE_MS = Number(process.env.CHAOS_DEADLINE_MS ?? 285_000);

/**
 * Checks that fail on main today only because the fix of issue 11 that makes
 * them pass has not landed yet (or, as now, has landed without this suite having
 * seen it pass). Empty: every check counts. With CHAOS_STRICT=0
 * a failure of a check listed here is printed as KNOWN-FAILING and not counted;
 * strict (the default) counts everything.
 */
const KNOWN_FAILING = {};
const STRICT = process.env.CHAOS_STRICT !== '0';

const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stamp = () =>
  `${String(((Date.now() - started) / 1000).toFixed(1)).padStart(6)}s`;
const log = (line) => console.log(`[chaos] ${stamp()} ${line}`);

const dir = mkdtempSync(join(tmpdir(), 'flotilla-chaos-'));
const run = randomBytes(4).toString('hex');
const load = fork(new URL('./load.mjs', import.meta.url), [], {
  env: {
    ...process.env,
    CHAOS_BASE_URL: BASE,
    CHAOS_RUN_ID: run,
    CHAOS_RECORD: join(dir, 'record.json'),
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const waiting = new Map();
load.on('message', (message) => {
  if (message.type === 'error') {
    console.log(`[chaos] FAILED: the load client failed: ${message.message}`);
    console.log('chaos-checks: 0 passed, 1 failed');
    finish(1);
  }
  waiting.get(message.type)?.(message);
});
load.on('exit', (code) => {
  if (code && !finishing) {
    console.log(`[chaos] FAILED: the load client exited with ${code}`);
    console.log('chaos-checks: 0 passed, 1 failed');
    finish(1);
  }
});
const reply = (type, timeoutMs) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `the load client did not answer ${type} within ${timeoutMs / 1000} s`,
          ),
        ),
      timeoutMs,
    );
    waiting.set(
      type,
      (message) => (
        clearTimeout(timer),
        waiting.delete(type),
        resolve(message)
      ),
    );
  });
const ask = (type, answer, timeoutMs) => {
  const pending = reply(answer, timeoutMs);
  load.send({ type });
  return pending;
};

let ids;
const killed = new Set();
let finishing = false;
function finish(code) {
  if (finishing) return;
  finishing = true;
  // Never leave this project's stack broken behind: start whatever is still down.
  Promise.all(
    [...killed].map((id) => docker('start', id).catch(() => undefined)),
  ).finally(() => {
    load.kill();
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  });
}
setTimeout(() => {
  console.log(
    `[chaos] FAILED: the run did not finish within ${DEADLINE_MS / 1000} s`,
  );
  console.log('chaos-checks: 0 passed, 1 failed');
  finish(1);
}, DEADLINE_MS).unref();

const faults = [];

/**
 * Restarts by Docker's restart policy, i.e. crashes. `docker restart` (the api
 * fault) does not count; the killed PostgreSQL and RabbitMQ are not asked.
 */
const SERVICES_THAT_STAY_UP = ['api', 'auth', 'gateway'];
async function restartCounts() {
  const counts = {};
  for (const service of SERVICES_THAT_STAY_UP)
    counts[service] = Number(
      await docker('inspect', '-f', '{{.RestartCount}}', ids[service]),
    );
  return counts;
}

async function brokerKill(n) {
  const fault = { name: `rabbitmq SIGKILL #${n}`, kind: 'broker' };
  fault.snapshotBefore = await latestSequence(ids.postgres);
  fault.injectedAt = Date.now();
  killed.add(ids.rabbitmq);
  await docker('kill', '-s', 'KILL', ids.rabbitmq);
  log(`${fault.name}: killed`);
  await sleep(DOWN_MS);
  fault.startedAt = Date.now();
  await docker('start', ids.rabbitmq);
  killed.delete(ids.rabbitmq);
  fault.acceptingAt = await waitFor(() => brokerAccepting(ids.rabbitmq), {
    timeoutMs: 120_000,
  });
  fault.snapshotAccepting = await latestSequence(ids.postgres);
  log(
    `${fault.name}: started; accepting AMQP connections ${fault.acceptingAt ? `after ${((fault.acceptingAt - fault.startedAt) / 1000).toFixed(1)} s` : 'never (120 s)'}`,
  );
  return fault;
}

async function postgresKill(n) {
  const fault = { name: `postgres SIGKILL #${n}`, kind: 'postgres' };
  fault.snapshotBefore = await latestSequence(ids.postgres);
  fault.injectedAt = Date.now();
  killed.add(ids.postgres);
  await docker('kill', '-s', 'KILL', ids.postgres);
  log(`${fault.name}: killed`);
  await sleep(DOWN_MS);
  fault.startedAt = Date.now();
  await docker('start', ids.postgres);
  killed.delete(ids.postgres);
  fault.acceptingAt = await waitFor(() => postgresAccepting(ids.postgres), {
    timeoutMs: 120_000,
    everyMs: 100,
  });
  fault.snapshotAccepting = await latestSequence(ids.postgres);
  log(
    `${fault.name}: started; accepting connections ${fault.acceptingAt ? `after ${((fault.acceptingAt - fault.startedAt) / 1000).toFixed(1)} s` : 'never (120 s)'}`,
  );
  return fault;
}

async function apiRestart(n) {
  const fault = { name: `api restart #${n}`, kind: 'api' };
  fault.snapshotBefore = await latestSequence(ids.postgres);
  fault.injectedAt = Date.now();
  // SIGTERM and its grace period (stop_grace_period: 20s), then a fresh start.
  await docker('restart', '-t', '20', ids.api);
  fault.startedAt = Date.now();
  fault.acceptingAt = await waitFor(() => apiAnswering(BASE), {
    timeoutMs: 120_000,
    everyMs: 100,
  });
  fault.snapshotAccepting = await latestSequence(ids.postgres);
  log(
    `${fault.name}: stopped and started in ${((fault.startedAt - fault.injectedAt) / 1000).toFixed(1)} s; answering ${fault.acceptingAt ? `after ${((fault.acceptingAt - fault.startedAt) / 1000).toFixed(1)} s` : 'never (120 s)'}`,
  );
  return fault;
}

async function main() {
  ids = await containerIds(['api', 'postgres', 'rabbitmq', 'auth', 'gateway']);
  const restartsBefore = await restartCounts();
  log(`load client against ${BASE}, run ${run}; faults: ${FAULTS.join(', ')}`);
  const ready = await reply('ready', 120_000);
  log(
    `${ready.users.length} people signed in, streams open, deposits made; transfers start`,
  );
  load.send({ type: 'go' });
  await sleep(WARMUP_MS);
  const count = {};
  for (const kind of FAULTS) {
    count[kind] = (count[kind] ?? 0) + 1;
    const inject = {
      broker: brokerKill,
      postgres: postgresKill,
      api: apiRestart,
    }[kind];
    if (!inject)
      throw new Error(
        `unknown fault ${kind} (CHAOS_FAULTS: broker, postgres, api)`,
      );
    faults.push(await inject(count[kind]));
    await sleep(OBSERVE_MS);
  }
  log('faults done; stopping the transfers');
  const stopped = await ask('stop', 'stopped', 60_000);
  log(
    `${stopped.keys} idempotency keys sent; resending any left without an answer`,
  );
  const resolved = await ask('resolve', 'resolved', 60_000);
  if (resolved.resent) log(`${resolved.resent} keys sent again`);

  // Let the outboxes drain and the streams catch up, for a bounded time.
  const users = ready.users.map((u) => u.userId);
  const inList = users.map((u) => `'${u}'`).join(',');
  const drainBy = Date.now() + 45_000;
  for (;;) {
    const [[ledgerUnsent]] = await psql(
      ids.postgres,
      'ledger',
      'SELECT count(*) FROM outbox_event WHERE sent_at IS NULL',
    );
    const [[authUnsent]] = await psql(
      ids.postgres,
      'auth',
      'SELECT count(*) FROM outbox_event WHERE sent_at IS NULL',
    );
    const rows = new Map(
      (
        await psql(
          ids.postgres,
          'ledger',
          `SELECT user_id, count(*) FROM activity WHERE user_id IN (${inList}) GROUP BY user_id`,
        )
      ).map(([u, n]) => [u, Number(n)]),
    );
    const { received } = await ask('counts', 'counts', 10_000);
    const behind = users.filter(
      (u) => (received[u] ?? 0) < (rows.get(u) ?? 0),
    ).length;
    if (
      (ledgerUnsent === '0' && authUnsent === '0' && behind === 0) ||
      Date.now() > drainBy
    ) {
      log(
        `settled: outbox unsent ledger ${ledgerUnsent}, auth ${authUnsent}; streams behind their rows: ${behind}`,
      );
      break;
    }
    await sleep(1000);
  }
  await ask('finish', 'finished', 30_000);
  const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));

  const accountIds = record.users.map((u) => `'${u.accountId}'`).join(',');
  const one = async (database, sql) =>
    (await psql(ids.postgres, database, sql))[0];
  const [totalBalance, accounts] = await one(
    'ledger',
    'SELECT coalesce(sum(balance), 0), count(*) FROM accounts',
  );
  const [chaosBalance] = await one(
    'ledger',
    `SELECT coalesce(sum(balance), 0) FROM accounts WHERE id IN (${accountIds})`,
  );
  const [chaosDeposits] = await one(
    'ledger',
    `SELECT coalesce(sum(amount), 0) FROM deposits WHERE account_id IN (${accountIds})`,
  );
  const [entrySum] = await one(
    'ledger',
    'SELECT coalesce(sum(amount), 0) FROM ledger_entries',
  );
  const [unbalanced] = await one(
    'ledger',
    'SELECT count(*) FROM (SELECT movement_id FROM ledger_entries GROUP BY movement_id HAVING sum(amount) <> 0) m',
  );
  const [mismatches] = await one(
    'ledger',
    'SELECT count(*) FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id WHERE a.balance <> coalesce(e.total, 0)',
  );
  const transfersByNote = new Map(
    (
      await psql(
        ids.postgres,
        'ledger',
        `SELECT note, count(*), string_agg(id::text, ',') FROM transfers WHERE note LIKE 'chaos-${run}-%' GROUP BY note`,
      )
    ).map(([note, n, list]) => [
      note,
      { count: Number(n), ids: list.split(',') },
    ]),
  );
  const depositIds = new Set(
    (
      await psql(
        ids.postgres,
        'ledger',
        `SELECT id FROM deposits WHERE account_id IN (${accountIds})`,
      )
    ).map(([id]) => id),
  );
  const activity = new Map(users.map((u) => [u, []]));
  for (const [u, seq] of await psql(
    ids.postgres,
    'ledger',
    `SELECT user_id, sequence FROM activity WHERE user_id IN (${inList}) ORDER BY sequence`,
  ))
    activity.get(u).push(seq);
  const outbox = async (database) => {
    const [unsent, total] = await one(
      database,
      'SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FROM outbox_event',
    );
    return { unsent: Number(unsent), total: Number(total) };
  };
  const db = {
    totalBalance: BigInt(totalBalance),
    accounts: Number(accounts),
    chaosBalance: BigInt(chaosBalance),
    chaosDeposits: BigInt(chaosDeposits),
    entrySum: BigInt(entrySum),
    unbalancedMovements: Number(unbalanced),
    balanceMismatches: Number(mismatches),
    transfersByNote,
    depositIds,
    activity,
    outbox: { ledger: await outbox('ledger'), auth: await outbox('auth') },
    queues: await queues(ids.rabbitmq),
    restarts: Object.fromEntries(
      Object.entries(await restartCounts()).map(([service, after]) => [
        service,
        after - restartsBefore[service],
      ]),
    ),
  };

  const { checks, figures } = evaluate(record, faults, db);
  console.log('');
  let passed = 0;
  let failed = 0;
  let known = 0;
  for (const c of checks) {
    if (c.ok) {
      passed += 1;
      console.log(
        `ok: ${c.label}${KNOWN_FAILING[c.id] ? ' (listed in KNOWN_FAILING: take it off the list)' : ''}`,
      );
    } else if (!STRICT && KNOWN_FAILING[c.id]) {
      known += 1;
      console.log(
        `KNOWN-FAILING (CHAOS_STRICT=0, not counted): ${c.label} — ${KNOWN_FAILING[c.id]}`,
      );
    } else {
      failed += 1;
      console.log(`FAILED: ${c.label}`);
    }
  }
  console.log('');
  for (const line of figures) console.log(`figure: ${line}`);
  console.log(
    `figure: run ${run}, ${record.users.length} people, ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  if (known)
    console.log(`known-failing, not counted (CHAOS_STRICT=0): ${known}`);
  console.log(`chaos-checks: ${passed} passed, ${failed} failed`);
  finish(failed ? 1 : 0);
}

main().catch((error) => {
  console.log(`[chaos] FAILED: ${error?.stack ?? error}`);
  console.log('chaos-checks: 0 passed, 1 failed');
  finish(1);
});
