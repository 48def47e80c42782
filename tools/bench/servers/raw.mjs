/* The raw baseline: node:http + pg and nothing else (no auth, no schema, no logs,
   no metrics). GET /api/account runs the API's SELECT and returns its JSON shape;
   POST /api/transfers and /api/deposits run the very statements of
   apps/api/src/app/repositories/ledger-repository.ts (same locks, inserts, outbox
   row, idempotency record) in one transaction, the sender named in the body.
   It is the limit the framework and our code are measured against. */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const READER = process.env.BENCH_USER_ID;
// The API's funding shards (apps/api/src/domain/ledger/deposit-funds.ts, fundingAccountFor).
const FUNDING_SHARDS = Math.min(Math.max(Number(process.env.BENCH_FUNDING_SHARDS ?? 16), 1), 16);
const fundingFor = (accountId) => {
  let hash = 0;
  for (let i = 0; i < accountId.length; i += 1) hash = (Math.imul(hash, 31) + accountId.charCodeAt(i)) | 0;
  return `00000000-0000-4000-8000-${((hash >>> 0) % FUNDING_SHARDS + 1).toString(16).padStart(12, '0')}`;
};
const COLUMNS = 'id, user_id, email, display_name, currency, balance, status, updated_at';

const CLAIM = `INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
 VALUES ($1, $2, $3, 0, 'null', now(), now() + make_interval(hours => $4))
 ON CONFLICT (user_id, key) DO UPDATE
   SET request_hash = EXCLUDED.request_hash, response_status = 0, response_body = 'null',
       created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
   WHERE idempotency_keys.expires_at <= now()
 RETURNING 1`;
const POST_ENTRIES = `WITH e AS (
   SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS e(account_id, amount)
 ), u AS (
   UPDATE accounts a SET balance = a.balance + e.amount, updated_at = $5
   FROM e WHERE a.id = e.account_id
   RETURNING a.id, a.balance
 )
 INSERT INTO ledger_entries (movement_id, movement_kind, account_id, amount, balance_after, created_at)
 SELECT $3, $4::movement_kind, e.account_id, e.amount, u.balance, $5 FROM e JOIN u ON u.id = e.account_id
 RETURNING account_id, balance_after`;
const ACTIVITY_COLUMNS = `INSERT INTO activity (user_id, movement_id, kind, direction, amount, currency, counterparty_user_id,
   counterparty_email, counterparty_display_name, note, balance_after, created_at) VALUES `;
const tuple = (b) =>
  `($${b + 1}, $${b + 2}, $${b + 3}::movement_kind, $${b + 4}::direction, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11}, $${b + 12})`;
const OUTBOX = `INSERT INTO outbox_event (id, aggregate_type, aggregate_id, event_name, event_version, payload, headers)
VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::jsonb, $7::jsonb)`;
const COMPLETE = 'UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2';

async function transaction(work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN; SET LOCAL statement_timeout = 10000');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function transfer({ sender, recipientEmail, amount }, key) {
  return transaction(async (c) => {
    await c.query(CLAIM, [sender, key, key, 24]);
    const { rows } = await c.query(
      `SELECT ${COLUMNS} FROM accounts WHERE kind = 'user' AND (user_id = $1 OR email = $2) ORDER BY id FOR UPDATE`,
      [sender, recipientEmail],
    );
    const from = rows.find((r) => r.user_id === sender);
    const to = rows.find((r) => r.email === recipientEmail);
    if (BigInt(from.balance) < BigInt(amount)) throw new Error('insufficient funds');
    const id = randomUUID();
    const now = new Date();
    await c.query('INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id, from.id, to.id, String(amount), from.currency, null, now,
    ]);
    const entries = await c.query(POST_ENTRIES, [[from.id, to.id], [String(-amount), String(amount)], id, 'transfer', now]);
    const after = new Map(entries.rows.map((r) => [r.account_id, r.balance_after]));
    await c.query(`${ACTIVITY_COLUMNS}${tuple(0)}, ${tuple(12)} RETURNING sequence`, [
      from.user_id, id, 'transfer', 'out', String(amount), from.currency, to.user_id, to.email, to.display_name, null, after.get(from.id), now,
      to.user_id, id, 'transfer', 'in', String(amount), to.currency, from.user_id, from.email, from.display_name, null, after.get(to.id), now,
    ]);
    const payload = { transferId: id, fromUserId: from.user_id, toUserId: to.user_id, fromAccountId: from.id, toAccountId: to.id, amount, currency: from.currency,
      fromBalanceAfter: Number(after.get(from.id)), toBalanceAfter: Number(after.get(to.id)), completedAt: now.toISOString() };
    await c.query(OUTBOX, [randomUUID(), 'account', from.id, 'ledger.transfer.completed', 1, JSON.stringify(payload), JSON.stringify({ traceId: randomUUID().replaceAll('-', ''), correlationId: id })]);
    const body = { transferId: id, amount, currency: from.currency, recipient: { id: to.user_id, email: to.email, displayName: to.display_name },
      balanceAfter: Number(after.get(from.id)), createdAt: now.toISOString() };
    await c.query(COMPLETE, [sender, key, 201, JSON.stringify(body)]);
    return body;
  });
}

function deposit({ sender, amount }, key) {
  return transaction(async (c) => {
    await c.query(CLAIM, [sender, key, key, 24]);
    const { rows } = await c.query(`SELECT ${COLUMNS} FROM accounts WHERE user_id = $1 FOR UPDATE`, [sender]);
    const account = rows[0];
    const now = new Date();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    await c.query('SELECT COALESCE(SUM(amount), 0)::text AS total FROM deposits WHERE account_id = $1 AND created_at >= $2', [account.id, since]);
    const id = randomUUID();
    await c.query('INSERT INTO deposits (id, account_id, amount, currency, created_at) VALUES ($1, $2, $3, $4, $5)', [id, account.id, String(amount), account.currency, now]);
    const entries = await c.query(POST_ENTRIES, [[account.id, fundingFor(account.id)], [String(amount), String(-amount)], id, 'deposit', now]);
    const balanceAfter = entries.rows.find((r) => r.account_id === account.id).balance_after;
    await c.query(`${ACTIVITY_COLUMNS}${tuple(0)} RETURNING sequence`, [
      account.user_id, id, 'deposit', 'in', String(amount), account.currency, null, null, null, null, balanceAfter, now,
    ]);
    const payload = { depositId: id, userId: account.user_id, accountId: account.id, amount, currency: account.currency, balanceAfter: Number(balanceAfter), completedAt: now.toISOString() };
    await c.query(OUTBOX, [randomUUID(), 'account', account.id, 'ledger.deposit.completed', 1, JSON.stringify(payload), JSON.stringify({ traceId: randomUUID().replaceAll('-', ''), correlationId: id })]);
    const body = { depositId: id, amount, currency: account.currency, balanceAfter: Number(balanceAfter), createdAt: now.toISOString() };
    await c.query(COMPLETE, [sender, key, 201, JSON.stringify(body)]);
    return body;
  });
}

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readBody(req) {
  return new Promise((done, fail) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => done(JSON.parse(data)));
    req.on('error', fail);
  });
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && req.url === '/api/account') {
    pool
      .query(`SELECT ${COLUMNS} FROM accounts WHERE user_id = $1`, [READER])
      .then(({ rows: [row] }) =>
        send(res, 200, { accountId: row.id, userId: row.user_id, currency: row.currency, balance: Number(row.balance), updatedAt: row.updated_at.toISOString() }),
      )
      .catch(() => send(res, 500, { error: 'db' }));
    return;
  }
  if (req.method === 'POST' && (req.url === '/api/transfers' || req.url === '/api/deposits')) {
    const movement = req.url === '/api/transfers' ? transfer : deposit;
    readBody(req)
      .then((body) => movement(body, req.headers['idempotency-key']))
      .then((body) => send(res, 201, body))
      .catch((error) => {
        process.stdout.write(`${error.message}\n`);
        send(res, 500, { error: String(error.message) });
      });
    return;
  }
  send(res, 404, { error: 'not found' });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
