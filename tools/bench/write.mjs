/* The write path: POST /api/transfers with a ring of senders (sender i pays
   sender i+1, so row locks are spread and contended as in real traffic) through
   the API build, against the raw node:http + pg server running the same SQL
   transaction (same locks, inserts, outbox row, idempotency record); then
   POST /api/deposits by concurrency, where every deposit also locks a funding
   account's row: the API with the funding side over FUNDING_SHARDS accounts
   (BENCH_FUNDING_SHARDS, default 16), the same build with every deposit on one
   funding row (the before), and raw pg with FUNDING_SHARDS. Conservation is
   checked at the end.
   Target (issue #16): transfers ≥ 0.7 × raw. Printed, never asserted. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CONNECTIONS, LEDGER_DATABASE_URL, RUN_ID, SECONDS, SHORT, assertClean, createIssuer, interleave, load, median, table, withSpread } from './lib/common.mjs';
import { startApi, startRaw } from './servers.mjs';

const SENDERS = Number(process.env.BENCH_SENDERS ?? (SHORT ? 10 : 40));
const FUNDS = 100_000;
const FUNDING_SHARDS = Number(process.env.BENCH_FUNDING_SHARDS ?? 16);
const DEPOSIT_CONCURRENCY = (process.env.BENCH_DEPOSIT_CONCURRENCY ?? (SHORT ? '1,16' : '1,4,16,64')).split(',').map(Number);

export default async function write() {
  const issuer = await createIssuer();
  const api = await startApi(issuer, 'API (dist/main.js)', { FUNDING_ACCOUNT_SHARDS: String(FUNDING_SHARDS) });
  const raw = await startRaw(undefined, { BENCH_FUNDING_SHARDS: String(FUNDING_SHARDS) });
  const oneRow = FUNDING_SHARDS === 1 ? undefined : await startApi(issuer, 'API, 1 funding row', { FUNDING_ACCOUNT_SHARDS: '1' });
  const senders = [];
  for (let i = 0; i < SENDERS; i += 1) {
    const userId = randomUUID();
    const email = `bench-ring-${RUN_ID}-${i}@bench.invalid`;
    const token = await issuer.sign({ sub: userId, scope: 'ledger:read ledger:write', email, name: `bench ring ${i}` });
    // Opened and funded through the API, as a user would: the ledger stays balanced.
    const deposit = await fetch(`${api.url}/api/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID().replaceAll('-', '') },
      body: JSON.stringify({ amount: FUNDS }),
    });
    if (deposit.status !== 201) throw new Error(`funding deposit: ${deposit.status} ${await deposit.text()}`);
    senders.push({ userId, email, token });
  }
  const ring = (t, body = 'transfer') => ({
    tokens: t !== raw ? senders.map((s) => s.token) : [],
    senders: senders.map((s) => s.userId),
    senderField: t === raw,
    emails: senders.map((s) => s.email),
    amount: 1,
    body,
  });
  const targets = [api, raw];
  const transferSpec = (t, extra = {}) => ({ url: `${t.url}/api/transfers`, method: 'POST', connections: CONNECTIONS, duration: SECONDS, ring: ring(t), ...extra });

  if (!SHORT) for (const t of targets) await load(transferSpec(t, { duration: 3 }));
  const max = await interleave(targets, (t) => transferSpec(t));
  for (const t of targets) assertClean(t.name, max.get(t.name));
  const rps = (t) => max.get(t.name).map((r) => r.rps);
  const steady = await interleave(targets, (t) => transferSpec(t, { overallRate: Math.max(1, Math.floor(median(rps(t)) * 0.7)) }));
  for (const t of targets) assertClean(t.name, steady.get(t.name));

  console.log(`## write path: POST /api/transfers, ring of ${SENDERS} senders (${CONNECTIONS} connections)\n`);
  const perRound = rps(api).map((v, i) => v / rps(raw)[i]);
  table(
    ['server', 'transfers/s (max)', 'p99 at max, ms', 'rate at 70 %', 'p99 at 70 %, ms'],
    targets.map((t) => [
      t.name,
      withSpread(rps(t)),
      withSpread(max.get(t.name).map((r) => r.p99)),
      `${Math.floor(median(rps(t)) * 0.7)}/s`,
      withSpread(steady.get(t.name).map((r) => r.p99)),
    ]),
  );
  console.log(`\nAPI ÷ raw transaction = ${withSpread(perRound, 2)} per round (target ≥ 0.7)\n`);

  // Deposits: each sender deposits 1 minor unit; every one also locks the funding row.
  const depositSpec = (t, connections) => ({ url: `${t.url}/api/deposits`, method: 'POST', connections, duration: SECONDS, ring: ring(t, 'deposit') });
  const depositTargets = oneRow ? [api, oneRow, raw] : targets;
  const rows = [];
  for (const connections of DEPOSIT_CONCURRENCY) {
    const result = await interleave(depositTargets, (t) => depositSpec(t, connections));
    for (const t of depositTargets) assertClean(`${t.name} deposits`, result.get(t.name));
    const rpsOf = (t) => result.get(t.name).map((r) => r.rps);
    rows.push([
      String(connections),
      ...depositTargets.flatMap((t) => [withSpread(rpsOf(t)), withSpread(result.get(t.name).map((r) => r.p99))]),
      ...(oneRow ? [withSpread(rpsOf(api).map((v, i) => v / rpsOf(oneRow)[i]), 2)] : []),
    ]);
  }
  console.log(`## deposits by concurrency (funding side over ${FUNDING_SHARDS} account(s); each deposit locks one)\n`);
  table(
    [
      'connections',
      ...depositTargets.flatMap((t) => [`${t.name} deposits/s`, `${t.name} p99, ms`]),
      ...(oneRow ? [`${FUNDING_SHARDS} rows ÷ 1 row, deposits/s (per round)`] : []),
    ],
    rows,
  );

  const db = new pg.Pool({ connectionString: LEDGER_DATABASE_URL, max: 1 });
  // Transfers inside the ring net to zero, so the ring holds exactly what was deposited into it.
  const ringTotal = await db.query(
    `SELECT (SELECT sum(balance) FROM accounts WHERE user_id = ANY($1::uuid[]))::text AS total,
            (SELECT sum(d.amount) FROM deposits d JOIN accounts a ON a.id = d.account_id WHERE a.user_id = ANY($1::uuid[]))::text AS deposited`,
    [senders.map((s) => s.userId)],
  );
  const whole = await db.query('SELECT (SELECT sum(balance) FROM accounts)::text AS balances, (SELECT sum(amount) FROM ledger_entries)::text AS entries');
  await db.end();
  console.log(
    `\nconservation: every account's balance sums to ${whole.rows[0].balances}, every entry to ${whole.rows[0].entries} (both must be 0); ` +
      `the ring holds ${ringTotal.rows[0].total}, exactly what was deposited into it (${ringTotal.rows[0].deposited})`,
  );
  await api.stop();
  await raw.stop();
  await oneRow?.stop();
  issuer.close();
  if (whole.rows[0].balances !== '0' || whole.rows[0].entries !== '0') throw new Error('the ledger does not balance');
  if (ringTotal.rows[0].total !== ringTotal.rows[0].deposited) throw new Error(`the ring holds ${ringTotal.rows[0].total}, deposits ${ringTotal.rows[0].deposited}`);
}
