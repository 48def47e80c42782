/* Live-feed latency under the transfer benchmark's load: the API build (relay and
   consumers on, as in production), one activity stream per sender held open by a
   listener in its own process (lib/sse-listen.mjs), and the write benchmark's ring
   of transfers from autocannon in another. Prints p50/p95/p99/max of the delay
   from the movement's transaction to the event read from the stream, first at
   70 % of the ring's maximum rate, then at the maximum. Checks, never timing:
   every activity row of the run reached its user's stream exactly once. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import {
  CONNECTIONS,
  LEDGER_DATABASE_URL,
  ROOT,
  RUN_ID,
  SECONDS,
  SHORT,
  assertClean,
  createIssuer,
  load,
  sleep,
  table,
} from './lib/common.mjs';
import { startApi } from './servers.mjs';

const SENDERS = Number(process.env.BENCH_SENDERS ?? (SHORT ? 10 : 40));
const FUNDS = 100_000;

/** The listener process: `ready` resolves once every stream is open; count() and stop() ask it for figures. */
function startListener(url, tokens, after) {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'tools/bench/lib/sse-listen.mjs'),
      JSON.stringify({ url, tokens, after }),
    ],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const waiting = [];
  let ready;
  const opened = new Promise((done) => (ready = done));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') ready();
    else waiting.shift()?.(JSON.parse(line));
  });
  const exited = new Promise((_, fail) =>
    child.on('close', (code) =>
      fail(new Error(`SSE listener exited (${code}): ${err}`)),
    ),
  );
  exited.catch(() => undefined);
  const ask = (command) => {
    const answer = new Promise((done) => waiting.push(done));
    child.stdin.write(`${command}\n`);
    return Promise.race([answer, exited]);
  };
  return {
    ready: Promise.race([opened, exited]),
    count: () => ask('count').then((r) => r.count),
    stop: () => ask('stop'),
    kill: () => child.kill('SIGKILL'),
  };
}

const percentile = (sorted, p) =>
  sorted.length
    ? sorted[
        Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
      ]
    : NaN;

export default async function live() {
  const issuer = await createIssuer();
  const api = await startApi(issuer, 'API (dist/main.js)', {
    OUTBOX_RELAY_ENABLED: 'true',
    CONSUMERS_ENABLED: 'true',
  });
  const db = new pg.Pool({ connectionString: LEDGER_DATABASE_URL, max: 1 });
  try {
    const senders = [];
    for (let i = 0; i < SENDERS; i += 1) {
      const userId = randomUUID();
      const email = `bench-live-${RUN_ID}-${i}@bench.invalid`;
      const token = await issuer.sign({
        sub: userId,
        scope: 'ledger:read ledger:write',
        email,
        name: `bench live ${i}`,
      });
      const deposit = await fetch(`${api.url}/api/deposits`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID().replaceAll('-', ''),
        },
        body: JSON.stringify({ amount: FUNDS }),
      });
      if (deposit.status !== 201)
        throw new Error(
          `funding deposit: ${deposit.status} ${await deposit.text()}`,
        );
      senders.push({ userId, email, token });
    }
    const spec = (extra = {}) => ({
      url: `${api.url}/api/transfers`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      ring: {
        tokens: senders.map((s) => s.token),
        senders: senders.map((s) => s.userId),
        senderField: false,
        emails: senders.map((s) => s.email),
        amount: 1,
      },
      ...extra,
    });
    const userIds = senders.map((s) => s.userId);

    // The rate the write benchmark calls "max" on this machine, now, without streams.
    const max = await load(spec());
    assertClean('API transfers', [max]);
    const rows = [];
    for (const [label, extra] of [
      ['70 % of max', { overallRate: Math.max(1, Math.floor(max.rps * 0.7)) }],
      ['max', {}],
    ]) {
      // autocannon stops at its duration with requests in flight, which the API still commits: let them land first.
      await sleep(1000);
      const {
        rows: [before],
      } = await db.query(
        'SELECT COALESCE(max(sequence), 0)::text AS seq FROM activity WHERE user_id = ANY($1::uuid[])',
        [userIds],
      );
      const listener = startListener(
        `${api.url}/api/activity/stream`,
        senders.map((s) => s.token),
        before.seq,
      );
      try {
        await listener.ready;
        const result = await load(spec(extra));
        assertClean(`API transfers at ${label}`, [result]);
        await sleep(1000);
        const { rows: written } = await db.query(
          'SELECT user_id, sequence::text AS seq FROM activity WHERE user_id = ANY($1::uuid[]) AND sequence > $2',
          [userIds, before.seq],
        );
        const n = written.length;
        // The last events may still be on their way: wait until every row of the run is on a stream, at most 15 s.
        for (
          const deadline = Date.now() + 15_000;
          Date.now() < deadline && (await listener.count()) < n;

        )
          await sleep(200);
        const figures = await listener.stop();
        const seenBy = new Map(
          userIds.map((id, i) => [id, new Set(figures.seen[i])]),
        );
        const missing = written.filter(
          (row) => !seenBy.get(row.user_id)?.has(row.seq),
        ).length;
        const sorted = [...figures.latenciesMs].sort((a, b) => a - b);
        rows.push([
          label,
          `${result.rps.toFixed(0)}/s`,
          String(n),
          String(figures.events),
          String(missing),
          String(figures.duplicates),
          ...[50, 95, 99].map((p) => String(percentile(sorted, p))),
          String(sorted.at(-1) ?? NaN),
        ]);
        if (missing > 0)
          throw new Error(
            `${label}: ${missing} of ${n} activity rows never reached their stream`,
          );
        if (figures.duplicates > 0)
          throw new Error(
            `${label}: ${figures.duplicates} events reached a stream twice`,
          );
      } finally {
        listener.kill();
      }
    }
    console.log(
      `## live feed: commit → SSE event, ring of ${SENDERS} senders, one stream each, ${CONNECTIONS} connections, ${SECONDS} s\n`,
    );
    table(
      [
        'load',
        'transfers',
        'activity rows',
        'events on streams',
        'missing',
        'duplicated',
        'p50, ms',
        'p95, ms',
        'p99, ms',
        'max, ms',
      ],
      rows,
    );
    console.log(`\nThe ring's maximum without streams, just before: ${max.rps.toFixed(0)} transfers/s (70 % of it is the first row's target rate).`);
    console.log(
      "\nDelay: from the createdAt the API stamps inside the movement's transaction (just before its commit) to the event read by the listener process; an upper bound of commit → stream.",
    );
  } finally {
    await db.end();
    await api.stop();
    issuer.close();
  }
}
