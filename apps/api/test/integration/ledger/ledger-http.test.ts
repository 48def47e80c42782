import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp } from '../../helper';
import { createFundedUser, createTestPool, ledgerSnapshot, randomKey, type TestUser } from '../../support/ledger-fixtures';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

let app: KitInstance;
let pool: Pool;
let tokens: TestTokenIssuer;

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  app = await buildTestApp({ MONEY_RATE_LIMIT_PER_MINUTE: '1000' }, { accessTokenVerifier: tokens.verifier });
  pool = createTestPool(4);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

const RW = 'ledger:read ledger:write';

async function bearer(user: Pick<TestUser, 'userId'>, scope = RW, extra: { email?: string; name?: string } = {}) {
  return { authorization: `Bearer ${await tokens.sign({ sub: user.userId, scope, ...extra })}` };
}

function postTransfer(headers: Record<string, string>, body: unknown, key: string | undefined = randomKey()) {
  return app.inject({
    method: 'POST',
    url: '/api/transfers',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}), ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('GET /api/account', () => {
  it('when no credentials are sent, then 401 with a Bearer challenge', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/account' });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it.each([
    ['signed for another audience', { aud: 'someone-else' }],
    ['expired', { expiresInSeconds: -60 }],
  ])('when the token is %s, then 401 invalid_token', async (_case, claims) => {
    const token = await tokens.sign({ sub: randomUUID(), scope: RW, ...claims });

    const response = await app.inject({ method: 'GET', url: '/api/account', headers: { authorization: `Bearer ${token}` } });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
  });

  it('when the token lacks ledger:read, then 403 INSUFFICIENT_SCOPE', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/account', headers: await bearer({ userId: randomUUID() }, 'openid') });

    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    expect(response.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('when the account exists, then its summary is returned', async () => {
    const alice = await createFundedUser(pool, 1_234, 'alice');

    const response = await app.inject({ method: 'GET', url: '/api/account', headers: await bearer(alice, 'ledger:read') });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      accountId: alice.accountId,
      userId: alice.userId,
      currency: 'EUR',
      balance: 1_234,
      updatedAt: expect.any(String),
    });
  });

  it('when the account is not open yet and the token carries an email, then it is opened once, however often it is asked for', async () => {
    const userId = randomUUID();
    const headers = await bearer({ userId }, 'ledger:read', { email: `New-${userId}@Example.test`, name: 'Newcomer' });

    const responses = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/api/account', headers })));

    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(responses.map((r) => r.json().accountId)).size).toBe(1);
    const { rows } = await pool.query('SELECT email, display_name FROM accounts WHERE user_id = $1', [userId]);
    expect(rows).toEqual([{ email: `new-${userId}@example.test`, display_name: 'Newcomer' }]);
  });

  it('when the account is not open yet and nothing identifies the user, then 409 ACCOUNT_NOT_READY', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/account', headers: await bearer({ userId: randomUUID() }, 'ledger:read') });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_READY' });
  });
});

describe('POST /api/transfers', () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeEach(async () => {
    alice = await createFundedUser(pool, 10_000, 'alice');
    bob = await createFundedUser(pool, 0, 'bob');
  });

  it('when valid, then 201 with the transfer; the replay returns the same body with Idempotent-Replayed', async () => {
    const headers = await bearer(alice);
    const key = randomKey();

    const first = await postTransfer(headers, { recipientEmail: bob.email, amount: 2_500, note: 'dinner' }, key);
    const replay = await postTransfer(headers, { note: 'dinner', amount: 2_500, recipientEmail: bob.email }, key);

    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ amount: 2_500, currency: 'EUR', balanceAfter: 7_500, recipient: { id: bob.userId } });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const balances = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);
    expect(balances.transfers).toBe(1);
  });

  it('when transfers complete and are refused, then the business metrics count them on /metrics', async () => {
    await postTransfer(await bearer(alice), { recipientEmail: bob.email, amount: 1_234 });
    await postTransfer(await bearer(alice), { recipientEmail: bob.email, amount: 999_999 });

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;

    expect(metrics).toMatch(/ledger_transfers_total\{[^}]*outcome="completed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ledger_transfer_refusals_total\{[^}]*reason="INSUFFICIENT_FUNDS"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ledger_transfer_amount_minor_bucket\{[^}]*le="5000"[^}]*\} [1-9]/);
  });

  it('when the key is reused with another body, then 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const headers = await bearer(alice);
    const key = randomKey();
    await postTransfer(headers, { recipientEmail: bob.email, amount: 100 }, key);

    const response = await postTransfer(headers, { recipientEmail: bob.email, amount: 101 }, key);

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it.each([
    ['malformed JSON', '{"recipientEmail": "x@example.test", "amount": ', 400, 'INVALID_JSON'],
    ['a string amount', { recipientEmail: 'bob', amount: '100' }, 400, 'VALIDATION_FAILED'],
    ['an amount of 1e400', '{"recipientEmail":"b@example.test","amount":1e400}', 400, 'VALIDATION_FAILED'],
    ['an amount of 9007199254740993', '{"recipientEmail":"b@example.test","amount":9007199254740993}', 400, 'VALIDATION_FAILED'],
    ['a fractional amount', { recipientEmail: 'b@example.test', amount: 10.5 }, 400, 'VALIDATION_FAILED'],
    ['a zero amount', { recipientEmail: 'b@example.test', amount: 0 }, 400, 'VALIDATION_FAILED'],
    ['a negative amount', { recipientEmail: 'b@example.test', amount: -1 }, 400, 'VALIDATION_FAILED'],
    ['an amount over the limit', { recipientEmail: 'b@example.test', amount: 1_000_001 }, 400, 'VALIDATION_FAILED'],
    ['an unknown property', { recipientEmail: 'b@example.test', amount: 1, fee: 0 }, 400, 'VALIDATION_FAILED'],
    ['no recipient', { amount: 1 }, 400, 'VALIDATION_FAILED'],
    ['a malformed email', { recipientEmail: 'not-an-email', amount: 1 }, 400, 'VALIDATION_FAILED'],
    ['a JSON array body', [1, 2], 400, 'VALIDATION_FAILED'],
  ])('when the body has %s (%j), then %i %s and nothing changes', async (_case, body, status, code) => {
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const response = await postTransfer(await bearer(alice), body);

    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code });
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it('when a validation error names a field, then details[].field points at it', async () => {
    const response = await postTransfer(await bearer(alice), { recipientEmail: bob.email, amount: 'ten' });

    expect(response.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining('amount') })]));
  });

  it.each([
    ['missing', undefined],
    ['too short', 'short'],
    ['with forbidden characters', 'abc def ghi jkl mno'],
  ])('when the Idempotency-Key is %s, then 400 and nothing changes', async (_case, key) => {
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const response = await app.inject({
      method: 'POST',
      url: '/api/transfers',
      headers: { 'content-type': 'application/json', ...(await bearer(alice)), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { recipientEmail: bob.email, amount: 1 },
    });

    expect(response.statusCode).toBe(400);
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it.each([
    ['an unknown recipient', 404, 'RECIPIENT_NOT_FOUND', () => ({ recipientEmail: `nobody-${randomUUID()}@example.test`, amount: 1 })],
    ['too little money', 422, 'INSUFFICIENT_FUNDS', () => ({ recipientEmail: bob.email, amount: 10_001 })],
    ['the sender as recipient', 422, 'SELF_TRANSFER', () => ({ recipientEmail: alice.email, amount: 1 })],
  ])('when the transfer names %s, then %i %s and nothing changes', async (_case, status, code, body) => {
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const response = await postTransfer(await bearer(alice), body());

    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code });
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it('when the token only has ledger:read, then 403 and nothing changes', async () => {
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const response = await postTransfer(await bearer(alice, 'ledger:read'), { recipientEmail: bob.email, amount: 1 });

    expect(response.statusCode).toBe(403);
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it('when sent as text/plain, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/transfers',
      headers: { 'content-type': 'text/plain', 'idempotency-key': randomKey(), ...(await bearer(alice)) },
      payload: JSON.stringify({ recipientEmail: bob.email, amount: 1 }),
    });

    expect(response.statusCode).toBe(415);
  });
});

describe('POST /api/deposits', () => {
  it('when deposits pass the daily cap, then 422 DAILY_DEPOSIT_LIMIT and the balance stays at the cap', async () => {
    const carol = await createFundedUser(pool, 0, 'carol');
    const headers = { ...(await bearer(carol)), 'content-type': 'application/json' };
    const deposit = () =>
      app.inject({ method: 'POST', url: '/api/deposits', headers: { ...headers, 'idempotency-key': randomKey() }, payload: { amount: 100_000 } });

    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await deposit()).statusCode);
    const refused = await deposit();

    expect(statuses).toEqual([201, 201, 201, 201, 201, 422]);
    expect(refused.json()).toMatchObject({ code: 'DAILY_DEPOSIT_LIMIT' });
    const account = await app.inject({ method: 'GET', url: '/api/account', headers });
    expect(account.json().balance).toBe(500_000);
  });

  it('when the first call of a new user is a deposit and the token carries an email, then the account is opened and credited', async () => {
    const userId = randomUUID();
    const headers = await bearer({ userId }, RW, { email: `first-${userId}@example.test` });

    const response = await app.inject({
      method: 'POST',
      url: '/api/deposits',
      headers: { ...headers, 'idempotency-key': randomKey(), 'content-type': 'application/json' },
      payload: { amount: 700 },
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ amount: 700, balanceAfter: 700 });
  });

  it('when a new user without an email claim deposits, then 409 ACCOUNT_NOT_READY and nothing is recorded', async () => {
    const userId = randomUUID();

    const response = await app.inject({
      method: 'POST',
      url: '/api/deposits',
      headers: { ...(await bearer({ userId })), 'idempotency-key': randomKey(), 'content-type': 'application/json' },
      payload: { amount: 700 },
    });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'ACCOUNT_NOT_READY' });
    expect((await pool.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [userId])).rows).toEqual([]);
  });

  it.each([
    ['an amount over the per-deposit cap', { amount: 100_001 }],
    ['a string amount', { amount: '5' }],
    ['an empty object', {}],
  ])('when the body has %s, then 400 and nothing changes', async (_case, body) => {
    const carol = await createFundedUser(pool, 0, 'carol');
    const before = await ledgerSnapshot(pool, [carol.accountId]);

    const response = await app.inject({
      method: 'POST',
      url: '/api/deposits',
      headers: { ...(await bearer(carol)), 'idempotency-key': randomKey(), 'content-type': 'application/json' },
      payload: body,
    });

    expect(response.statusCode).toBe(400);
    expect(await ledgerSnapshot(pool, [carol.accountId])).toEqual(before);
  });
});

describe('GET /api/history and /api/activity', () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    alice = await createFundedUser(pool, 10_000, 'alice');
    bob = await createFundedUser(pool, 10_000, 'bob');
    for (let i = 1; i <= 5; i += 1) {
      await postTransfer(await bearer(alice), { recipientEmail: bob.email, amount: i });
      await postTransfer(await bearer(bob), { recipientEmail: alice.email, amount: 100 + i });
    }
  });

  it('when paging with a cursor, then every entry appears once, newest first', async () => {
    const headers = await bearer(alice, 'ledger:read');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/history?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await app.inject({ method: 'GET', url, headers });
      expect(page.statusCode).toBe(200);
      const body = page.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor);

    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
  });

  it('when filtered by direction, then only that direction is returned', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/history?direction=out&limit=100', headers: await bearer(alice, 'ledger:read') });

    const items = response.json().items;
    expect(items).toHaveLength(5);
    expect(items.every((item: { direction: string; counterparty: { id: string } }) => item.direction === 'out' && item.counterparty.id === bob.userId)).toBe(true);
  });

  it('when filtered by a date range in the future, then nothing is returned', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/history?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
      headers: await bearer(alice, 'ledger:read'),
    });

    expect(response.json()).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['a forged cursor', 'INVALID_CURSOR', 'cursor=AAAA'],
    ['an unknown direction', 'VALIDATION_FAILED', 'direction=sideways'],
    ['a limit of 1e400', 'VALIDATION_FAILED', 'limit=1e400'],
    ['a limit of Infinity', 'VALIDATION_FAILED', 'limit=Infinity'],
    ['a limit over the maximum', 'VALIDATION_FAILED', 'limit=101'],
    ['a non-date from', 'VALIDATION_FAILED', 'from=yesterday'],
    ['an unknown parameter', 'VALIDATION_FAILED', 'sort=asc'],
  ])('when the query has %s, then 400 %s', async (_case, code, query) => {
    const response = await app.inject({ method: 'GET', url: `/api/history?${query}`, headers: await bearer(alice, 'ledger:read') });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code });
  });

  it('when the feed is read after a sequence, then only later entries come, oldest first, with their balances', async () => {
    const headers = await bearer(alice, 'ledger:read');
    const all = (await app.inject({ method: 'GET', url: '/api/activity?limit=100', headers })).json().items;

    const after = await app.inject({ method: 'GET', url: `/api/activity?after=${all[7].sequence}`, headers });

    expect(all).toHaveLength(11);
    expect(after.json().items.map((item: { sequence: string }) => item.sequence)).toEqual(all.slice(8).map((item: { sequence: string }) => item.sequence));
    expect(all.at(-1).balance).toBe(10_000 - 15 + 515);
  });

  it('when the history is exported as CSV with the view\'s filters, then every matching row is streamed with a download name', async () => {
    const headers = await bearer(alice, 'ledger:read');
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const view = (await app.inject({ method: 'GET', url: `/api/history?direction=out&limit=100&from=${encodeURIComponent(from)}`, headers })).json();

    const response = await app.inject({ method: 'GET', url: `/api/history.csv?direction=out&from=${encodeURIComponent(from)}`, headers });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="flotilla-history-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = response.body.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('date,id,kind,direction,amount_minor,currency,counterparty_email,counterparty_name,note,balance_after_minor');
    expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(view.items.map((item: { id: string }) => item.id));
    expect(lines).toHaveLength(6);
  });

  it('when a transfer note is a formula with quotes and commas, then its CSV cell is quoted and guarded', async () => {
    const carol = await createFundedUser(pool, 1_000, 'carol');
    const dave = await createFundedUser(pool, 0, 'dave');
    await postTransfer(await bearer(carol), { recipientEmail: dave.email, amount: 7, note: '=HYPERLINK("http://x", "y")' });

    const response = await app.inject({ method: 'GET', url: '/api/history.csv', headers: await bearer(dave, 'ledger:read') });

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`,"'=HYPERLINK(""http://x"", ""y"")",7\r\n`);
  });

  it.each([
    ['an unknown parameter', 'cursor=AAAA'],
    ['a non-date to', 'to=tomorrow'],
    ['an unknown direction', 'direction=up'],
  ])('when the CSV query has %s, then 400 VALIDATION_FAILED', async (_case, query) => {
    const response = await app.inject({ method: 'GET', url: `/api/history.csv?${query}`, headers: await bearer(alice, 'ledger:read') });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('when the CSV is asked for without a token, then 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/history.csv' });

    expect(response.statusCode).toBe(401);
  });

  it.each(['-1', 'abc', '99999999999999999999', '1.5', '1e3'])('when after is %p, then 400', async (after) => {
    const response = await app.inject({ method: 'GET', url: `/api/activity?after=${after}`, headers: await bearer(alice, 'ledger:read') });

    expect(response.statusCode).toBe(400);
  });
});

describe('GET /api/activity/stream and /api/me input checks', () => {
  it.each(['abc', '-1', '1e3', '99999999999999999999'])('when Last-Event-ID is %p, then 400 before any stream opens', async (lastEventId) => {
    const user = await createFundedUser(pool, 0, 'sse');

    const response = await app.inject({
      method: 'GET',
      url: '/api/activity/stream',
      headers: { ...(await bearer(user, 'ledger:read')), 'last-event-id': lastEventId },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('when the stream is asked for without ledger:read, then 403', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/activity/stream', headers: await bearer({ userId: randomUUID() }, 'ledger:write') });

    expect(response.statusCode).toBe(403);
  });

  it('when /api/me is called with a Bearer token of a known user, then the account identity and scopes come back', async () => {
    const user = await createFundedUser(pool, 0, 'me');

    const response = await app.inject({ method: 'GET', url: '/api/me', headers: await bearer(user, 'ledger:read') });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: { id: user.userId, email: user.email, displayName: 'me' }, scopes: ['ledger:read'] });
  });

  it.each([
    ['no credentials', {}],
    ['a Basic header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a malformed Bearer token', { authorization: 'Bearer not.a.jwt' }],
  ])('when /api/me gets %s, then 401', async (_case, headers) => {
    const response = await app.inject({ method: 'GET', url: '/api/me', headers });

    expect(response.statusCode).toBe(401);
  });
});

describe('OpenAPI and security headers', () => {
  it('when the OpenAPI document is fetched, then it is 3.1 and documents the ledger routes with their error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });

    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/account', '/api/transfers', '/api/deposits', '/api/history', '/api/history.csv', '/api/activity', '/api/activity/stream']),
    );
    expect(doc.paths['/api/transfers'].post.responses).toHaveProperty('409');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['UserSummary', 'HistoryEntry']));
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
  });

  it('when any API route answers, then helmet headers are present', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/account' });

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
  });
});
