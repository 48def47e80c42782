import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { ActivityEvent } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/consumers/live-updates';
import type {} from '../../../src/app/plugins/app/live-updates';
import { buildTestApp, waitFor } from '../../helper';
import { createFundedUser, createTestPool, randomKey, type TestUser } from '../../support/ledger-fixtures';
import { openSse, type SseConnection } from '../../support/sse-client';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

let replicaA: KitInstance;
let replicaB: KitInstance;
let baseUrlB: string;
let pool: Pool;
let tokens: TestTokenIssuer;
let alice: TestUser;
let bob: TestUser;
const streams: SseConnection[] = [];

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  pool = createTestPool(2);
  // A takes the write and relays the outbox; B only holds the browser's stream.
  replicaA = await buildTestApp({ CONSUMERS_ENABLED: 'true', OUTBOX_RELAY_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier });
  replicaB = await buildTestApp({ CONSUMERS_ENABLED: 'true', SSE_HEARTBEAT_MS: '1000' }, { accessTokenVerifier: tokens.verifier });
  await replicaB.listen({ host: '127.0.0.1', port: 0 });
  baseUrlB = `http://127.0.0.1:${(replicaB.server.address() as AddressInfo).port}`;
  await Promise.all([replicaA.liveUpdatesConsumer.waitForReady(), replicaB.liveUpdatesConsumer.waitForReady()]);
  alice = await createFundedUser(pool, 10_000, 'alice');
  bob = await createFundedUser(pool, 0, 'bob');
});

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

afterAll(async () => {
  await replicaA.close();
  await replicaB.close();
  await pool.end();
});

async function bobStream(lastEventId?: string, query = ''): Promise<SseConnection> {
  const token = await tokens.sign({ sub: bob.userId, scope: 'ledger:read' });
  const stream = await openSse(`${baseUrlB}/api/activity/stream${query}`, {
    authorization: `Bearer ${token}`,
    ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
  });
  streams.push(stream);
  return stream;
}

async function transfer(amount: number): Promise<string> {
  const token = await tokens.sign({ sub: alice.userId, scope: 'ledger:write' });
  const response = await replicaA.inject({
    method: 'POST',
    url: '/api/transfers',
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomKey(), 'content-type': 'application/json' },
    payload: { recipientEmail: bob.email, amount },
  });
  expect(response.statusCode).toBe(201);
  return response.json().transferId;
}

const activityFor = (movementId: string) => (message: { event?: string; data: string }) =>
  message.event === 'activity' && (JSON.parse(message.data) as ActivityEvent).entry.id === movementId;

describe('live updates across replicas', () => {
  it('when a transfer is made on replica A, then the recipient streaming from replica B receives it with its sequence as the SSE id', async () => {
    const stream = await bobStream();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    await waitFor(() => replicaB.liveUpdates.streamCount() === 1);

    const transferId = await transfer(1_500);
    const message = await stream.next(activityFor(transferId));

    const event = JSON.parse(message.data) as ActivityEvent;
    expect(message.id).toBe(event.sequence);
    expect(event).toMatchObject({ balance: 1_500, entry: { kind: 'transfer', direction: 'in', amount: 1_500, counterparty: { id: alice.userId } } });
  });

  it('when the stream is idle, then heartbeat comments keep it open', async () => {
    const stream = await bobStream();

    const heartbeat = await stream.next((message) => message.event === 'comment', 5_000);

    expect(heartbeat.event).toBe('comment');
  });

  it('when a client reconnects with Last-Event-ID, then what it missed is replayed before live events, without duplicates', async () => {
    const first = await bobStream();
    await waitFor(() => replicaB.liveUpdates.streamCount() === 1);
    const seenId = (await first.next(activityFor(await transfer(100)))).id as string;
    first.close();
    await waitFor(() => replicaB.liveUpdates.streamCount() === 0);
    const missedOne = await transfer(200);
    const missedTwo = await transfer(300);

    const resumed = await bobStream(seenId);
    const replayedOne = await resumed.next((m) => m.event === 'activity');
    const replayedTwo = await resumed.next((m) => m.event === 'activity');
    const liveId = await transfer(400);
    const live = await resumed.next((m) => m.event === 'activity');

    expect([replayedOne, replayedTwo, live].map((m) => (JSON.parse(m.data) as ActivityEvent).entry.id)).toEqual([missedOne, missedTwo, liveId]);
    expect(BigInt(replayedOne.id as string)).toBeGreaterThan(BigInt(seenId));
  });

  it('when a first connection passes ?after=, then the feed after it is replayed', async () => {
    const earlier = await transfer(10);
    const { rows } = await pool.query<{ sequence: string }>('SELECT sequence::text FROM activity WHERE user_id = $1 AND movement_id = $2', [
      bob.userId,
      earlier,
    ]);
    const later = await transfer(20);

    const stream = await bobStream(undefined, `?after=${rows[0]?.sequence}`);
    const replayed = await stream.next((m) => m.event === 'activity');

    expect((JSON.parse(replayed.data) as ActivityEvent).entry.id).toBe(later);
  });

  it('when the stream is opened without credentials, then 401 and no stream', async () => {
    const stream = await openSse(`${baseUrlB}/api/activity/stream`, {});
    streams.push(stream);

    expect(stream.status).toBe(401);
  });
});
