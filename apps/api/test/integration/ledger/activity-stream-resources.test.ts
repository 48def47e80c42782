import type { ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/plugins/app/ledger';
import type {} from '../../../src/app/plugins/app/live-updates';
import { buildTestApp, waitFor } from '../../helper';
import { createTestPool } from '../../support/ledger-fixtures';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

// Finding 10 of issue 11: a stream respects the socket's backpressure, and never writes once closed.
const ROWS = 20_000;

let app: KitInstance;
let pool: Pool;
let tokens: TestTokenIssuer;
let port: number;
/** Every stream response the server wrote, with the writes it was asked to make after its 'close'. */
const responses: { res: ServerResponse; closed: boolean; writesAfterClose: number }[] = [];
let readsAfterClose = 0;

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  pool = createTestPool(2);
  app = await buildTestApp({ SSE_REPLAY_LIMIT: '100000', SSE_HEARTBEAT_MS: '1000' }, { accessTokenVerifier: tokens.verifier });
  // Instruments the real response objects (not a fake): counts what the route asks of them after 'close'.
  app.server.on('request', (req, res: ServerResponse) => {
    if (!req.url?.startsWith('/api/activity/stream')) return;
    const entry = { res, closed: false, writesAfterClose: 0 };
    responses.push(entry);
    res.on('close', () => (entry.closed = true));
    for (const method of ['write', 'end'] as const) {
      const original = res[method].bind(res) as (...args: unknown[]) => unknown;
      (res as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (entry.closed) entry.writesAfterClose += 1;
        return original(...args);
      };
    }
  });
  const activity = app.ledger.activity as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const listAfter = activity['listAfter'].bind(activity);
  activity['listAfter'] = (...args) => {
    if (responses.at(-1)?.closed) readsAfterClose += 1;
    return listAfter(...args);
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

/** A user with ROWS activity rows of ~450 bytes each on the wire: far more than the socket buffers hold. */
async function userWithLongHistory(): Promise<string> {
  const userId = randomUUID();
  await pool.query(
    `INSERT INTO activity (user_id, movement_id, kind, direction, amount, currency, note, balance_after)
     SELECT $1, gen_random_uuid(), 'deposit', 'in', 1, 'EUR', repeat('n', 140), i FROM generate_series(1, $2) AS i`,
    [userId, ROWS],
  );
  return userId;
}

/** A client that sends its request and then does not read: the server's writes meet a full socket. */
async function stalledStream(userId: string): Promise<net.Socket> {
  const token = await tokens.sign({ sub: userId, scope: 'ledger:read' });
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET /api/activity/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  socket.pause();
  return socket;
}

/** The response of the stream opened after `before` responses had been seen. */
async function responseAfter(before: number): Promise<(typeof responses)[number]> {
  await waitFor(() => responses.length > before && responses[before]!.res.headersSent);
  return responses[before]!;
}

/** The largest amount the server process holds unsent for this socket, sampled while the client is stalled. */
async function peakBuffered(res: ServerResponse, forMs: number): Promise<number> {
  let peak = 0;
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    peak = Math.max(peak, res.socket?.writableLength ?? 0, res.writableLength);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return peak;
}

describe('activity stream resources', () => {
  it('when the client stops reading during a long replay, then the server stops writing at the socket buffer, and every row arrives in order once it reads again', async () => {
    const userId = await userWithLongHistory();
    const seen = responses.length;
    const socket = await stalledStream(userId);
    const { res } = await responseAfter(seen);

    const peak = await peakBuffered(res, 1_500);

    // Without backpressure the replay queues all ~9 MB in the process; with it, about one highWaterMark.
    expect(peak).toBeLessThan(256 * 1024);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.resume();
    await waitFor(() => (text.match(/^id: /gm)?.length ?? 0) >= ROWS, 30_000);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => BigInt(m[1]!));
    expect(ids).toHaveLength(ROWS);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    socket.destroy();
    await waitFor(() => app.liveUpdates.streamCount() === 0);
  }, 60_000);

  it('when the client goes away while the stream waits for its socket to drain, then nothing more is written or read for it and it unsubscribes', async () => {
    const userId = await userWithLongHistory();
    const seen = responses.length;
    const socket = await stalledStream(userId);
    const entry = await responseAfter(seen);
    await waitFor(() => entry.res.writableNeedDrain);
    readsAfterClose = 0;

    socket.destroy();
    await waitFor(() => entry.closed);
    // Two heartbeats and plenty of time for a pump that did not notice to read and write its next pages.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect({ writesAfterClose: entry.writesAfterClose, readsAfterClose }).toEqual({ writesAfterClose: 0, readsAfterClose: 0 });
    expect(app.liveUpdates.streamCount()).toBe(0);
  }, 30_000);
});
