import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { ActivityEvent } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/consumers/live-updates';
import type {} from '../../../src/app/plugins/app/live-updates';
import type {} from '../../../src/app/plugins/app/ledger';
import { buildTestApp, waitFor } from '../../helper';
import { createFundedUser, createTestPool, randomKey, type TestUser } from '../../support/ledger-fixtures';
import { openSse, type SseConnection, type SseMessage } from '../../support/sse-client';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

let writer: KitInstance;
let reader: KitInstance;
let readerUrl: string;
let pool: Pool;
let tokens: TestTokenIssuer;
const streams: SseConnection[] = [];

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  pool = createTestPool(4);
  writer = await buildTestApp({ CONSUMERS_ENABLED: 'true', OUTBOX_RELAY_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier });
  reader = await buildTestApp(
    { CONSUMERS_ENABLED: 'true', SSE_MAX_STREAMS_PER_USER: '2', SSE_REPLAY_LIMIT: '4' },
    { accessTokenVerifier: tokens.verifier },
  );
  await reader.listen({ host: '127.0.0.1', port: 0 });
  readerUrl = `http://127.0.0.1:${(reader.server.address() as AddressInfo).port}`;
  await Promise.all([writer.liveUpdatesConsumer.waitForReady(), reader.liveUpdatesConsumer.waitForReady()]);
});

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await waitFor(() => reader.liveUpdates.streamCount() === 0);
});

afterAll(async () => {
  await writer.close();
  await reader.close();
  await pool.end();
});

async function streamOf(user: TestUser, headers: Record<string, string> = {}, query = ''): Promise<SseConnection> {
  const token = await tokens.sign({ sub: user.userId, scope: 'ledger:read' });
  const stream = await openSse(`${readerUrl}/api/activity/stream${query}`, { authorization: `Bearer ${token}`, ...headers });
  streams.push(stream);
  return stream;
}

async function transfer(from: TestUser, to: TestUser, amount: number): Promise<string> {
  const token = await tokens.sign({ sub: from.userId, scope: 'ledger:write' });
  const response = await writer.inject({
    method: 'POST',
    url: '/api/transfers',
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomKey(), 'content-type': 'application/json' },
    payload: { recipientEmail: to.email, amount },
  });
  expect(response.statusCode).toBe(201);
  return response.json().transferId;
}

async function latestSequence(user: TestUser): Promise<string> {
  const { rows } = await pool.query<{ s: string }>('SELECT coalesce(max(sequence), 0)::text AS s FROM activity WHERE user_id = $1', [user.userId]);
  return rows[0]?.s ?? '0';
}

async function sequencesOf(user: TestUser, after: string): Promise<string[]> {
  const { rows } = await pool.query<{ s: string }>('SELECT sequence::text AS s FROM activity WHERE user_id = $1 AND sequence > $2 ORDER BY sequence', [
    user.userId,
    after,
  ]);
  return rows.map((row) => row.s);
}

const isActivity = (message: SseMessage) => message.event === 'activity';

/** Makes the reader's activity reads finish in random order, as they do under load. */
function scrambleReadLatency(app: KitInstance): () => void {
  const activity = app.ledger.activity as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const originals = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  for (const name of ['listAfter', 'listHistory', 'findByMovement']) {
    const original = activity[name];
    if (typeof original !== 'function') continue;
    originals.set(name, original);
    activity[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      return result;
    };
  }
  return () => {
    for (const [name, original] of originals) activity[name] = original;
  };
}

describe('live feed', () => {
  it('when many movements for one user complete at once and reads finish out of order, then the open stream gets every row exactly once, in order', async () => {
    const senders = await Promise.all([1, 2, 3, 4].map((n) => createFundedUser(pool, 10_000, `sender-${n}`)));
    const carol = await createFundedUser(pool, 0, 'carol');
    const restore = scrambleReadLatency(reader);
    try {
      const start = await latestSequence(carol);
      let stream = await streamOf(carol, { 'last-event-id': start });
      await waitFor(() => reader.liveUpdates.streamCount() === 1);

      await Promise.all(senders.flatMap((sender) => Array.from({ length: 6 }, (_, i) => transfer(sender, carol, 10 + i))));
      const expected = await sequencesOf(carol, start);
      expect(expected).toHaveLength(24);
      // The last row marks the end: whatever arrives before it is the whole delivery.
      const sentinel = await transfer(senders[0] as TestUser, carol, 1);
      const seen: string[] = [];
      let reconnects = 0;
      for (;;) {
        // Further behind than the replay limit (4 here), the stream ends: resume as EventSource does.
        const message = await Promise.race([stream.next(isActivity, 20_000), stream.ended.then(() => null)]);
        if (message === null) {
          reconnects += 1;
          stream = await streamOf(carol, { 'last-event-id': seen.at(-1) ?? start });
          continue;
        }
        const event = JSON.parse(message.data) as ActivityEvent;
        expect(message.id).toBe(event.sequence);
        if (event.entry.id === sentinel) break;
        seen.push(event.sequence);
      }

      expect(seen).toEqual(expected);
      expect(reconnects).toBeLessThan(24);
    } finally {
      restore();
    }
  });

  it('when a stream opens without a cursor, then it starts with the most recent activity, oldest of it first, and then goes live', async () => {
    const dave = await createFundedUser(pool, 0, 'dave');
    const erin = await createFundedUser(pool, 1_000, 'erin');
    const first = await transfer(erin, dave, 11);
    const second = await transfer(erin, dave, 12);

    const stream = await streamOf(dave);
    const opened = [await stream.next(isActivity), await stream.next(isActivity)];
    const live = await transfer(erin, dave, 13);
    const next = await stream.next(isActivity);

    expect([...opened, next].map((m) => (JSON.parse(m.data) as ActivityEvent).entry.id)).toEqual([first, second, live]);
  });

  it('when a stream is further behind than the replay limit, then it ends after the limit and a resume with Last-Event-ID continues without a gap', async () => {
    const frank = await createFundedUser(pool, 0, 'frank');
    const gina = await createFundedUser(pool, 1_000, 'gina');
    const start = await latestSequence(frank);
    for (let i = 0; i < 6; i += 1) await transfer(gina, frank, 1 + i);
    const expected = await sequencesOf(frank, start);

    const first = await streamOf(frank, { 'last-event-id': start });
    const firstIds: string[] = [];
    for (let i = 0; i < 4; i += 1) firstIds.push((await first.next(isActivity)).id as string);
    await waitFor(() => reader.liveUpdates.streamCount() === 0);
    const resumed = await streamOf(frank, { 'last-event-id': firstIds.at(-1) as string });
    const restIds = [(await resumed.next(isActivity)).id, (await resumed.next(isActivity)).id];

    expect([...firstIds, ...restIds]).toEqual(expected);
  });

  it('when one user opens more streams than allowed, then the extra one gets 429 with Retry-After and the open ones stay', async () => {
    const hal = await createFundedUser(pool, 0, 'hal');
    await streamOf(hal);
    await streamOf(hal);
    await waitFor(() => reader.liveUpdates.streamCount() === 2);

    const third = await streamOf(hal);

    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(reader.liveUpdates.streamCount()).toBe(2);
  });

  it.each([
    ['?after=', { query: '?after=9999999999999999999' }],
    ['Last-Event-ID', { headers: { 'last-event-id': '9999999999999999999' } }],
  ])('when %s is beyond int8, then 400 and no stream', async (_name, input) => {
    const ivy = await createFundedUser(pool, 0, 'ivy');

    const stream = await streamOf(ivy, 'headers' in input ? input.headers : {}, 'query' in input ? input.query : '');

    expect(stream.status).toBe(400);
  });

  it('when GET /api/activity is asked for after= beyond int8, then 400 naming the field, not a database error', async () => {
    const jo = await createFundedUser(pool, 0, 'jo');
    const token = await tokens.sign({ sub: jo.userId, scope: 'ledger:read' });

    const response = await reader.inject({ url: '/api/activity?after=9999999999999999999', headers: { authorization: `Bearer ${token}` } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: expect.stringContaining('after') }] });
  });
});
