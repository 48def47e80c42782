import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/plugins/app/live-updates';
import { hashSessionId } from '../../../src/app/bff/bff-routes';
import { buildTestApp, waitFor } from '../../helper';
import { createTestPool } from '../../support/ledger-fixtures';
import { openSse, type SseConnection } from '../../support/sse-client';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

// Security review: a stream authenticated once, when it opened, outlived sign-out, the idle
// timeout, a password change and deactivation (all of which end the session row), and a Bearer
// token's exp. Each heartbeat now checks again, without counting as the session's use.
const HEARTBEAT_MS = 1_000;

let app: KitInstance;
let pool: Pool;
let tokens: TestTokenIssuer;
let baseUrl: string;
const open: SseConnection[] = [];

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  pool = createTestPool(2);
  app = await buildTestApp(
    { SSE_HEARTBEAT_MS: String(HEARTBEAT_MS), BFF_ENABLED: 'true', OAUTH_CLIENT_SECRET: 'test-secret', COOKIE_SECURE: 'false' },
    { accessTokenVerifier: tokens.verifier },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const stream of open.splice(0)) stream.close();
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

/** A signed-in browser session as the BFF stores it (tokens sealed; never unsealed here: the access token is far from expiry). */
async function session(): Promise<{ id: string; idHash: string; userId: string }> {
  const id = randomBytes(32).toString('base64url');
  const idHash = hashSessionId(id);
  const userId = randomUUID();
  await pool.query(
    `INSERT INTO session (id_hash, user_id, email, display_name, scope, access_token, access_expires_at, expires_at)
     VALUES ($1, $2, 'stream@example.test', 'Stream', 'openid ledger:read', 'sealed', now() + interval '1 hour', now() + interval '12 hours')`,
    [idHash, userId],
  );
  return { id, idHash, userId };
}

async function stream(headers: Record<string, string>): Promise<SseConnection> {
  const connection = await openSse(`${baseUrl}/api/activity/stream`, headers);
  open.push(connection);
  return connection;
}

/** Resolves true when the stream ends within `ms`, false when it is still open then. */
function endsWithin(connection: SseConnection, ms: number): Promise<boolean> {
  return Promise.race([connection.ended.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

async function lastUsedAt(idHash: string): Promise<number> {
  const { rows } = await pool.query<{ last_used_at: Date }>('SELECT last_used_at FROM session WHERE id_hash = $1', [idHash]);
  return rows[0]!.last_used_at.getTime();
}

describe('activity stream: authentication holds for the life of the stream', () => {
  it('when the session ends (sign-out, password change, deactivation) while a stream is open, then the stream ends within two heartbeats and a reconnect gets 401', async () => {
    const { id, idHash } = await session();
    const connection = await stream({ cookie: `flotilla_session=${id}` });
    expect(connection.status).toBe(200);
    await waitFor(() => app.liveUpdates.streamCount() === 1);

    await pool.query('DELETE FROM session WHERE id_hash = $1', [idHash]);

    expect(await endsWithin(connection, 2.5 * HEARTBEAT_MS)).toBe(true);
    await waitFor(() => app.liveUpdates.streamCount() === 0);
    const again = await stream({ cookie: `flotilla_session=${id}` });
    expect(again.status).toBe(401);
  });

  it('when the session passes its idle timeout while a stream is open, then the stream ends; its heartbeats never count as use', async () => {
    const { id, idHash } = await session();
    const connection = await stream({ cookie: `flotilla_session=${id}` });
    expect(connection.status).toBe(200);
    const opened = await lastUsedAt(idHash);

    // Three heartbeats, each one re-checking the session.
    expect(await endsWithin(connection, 3.2 * HEARTBEAT_MS)).toBe(false);
    expect(await lastUsedAt(idHash)).toBe(opened);

    // Last used longer ago than SESSION_IDLE_TIMEOUT_SECONDS (default 900 s).
    await pool.query("UPDATE session SET last_used_at = now() - interval '1 hour' WHERE id_hash = $1", [idHash]);
    expect(await endsWithin(connection, 2.5 * HEARTBEAT_MS)).toBe(true);
  });

  it("when a Bearer client's access token expires while its stream is open, then the stream ends", async () => {
    const token = await tokens.sign({ sub: randomUUID(), scope: 'ledger:read', expiresInSeconds: 2 });
    const connection = await stream({ authorization: `Bearer ${token}` });
    expect(connection.status).toBe(200);

    // exp is 2 s away (whole seconds): the stream ends within two heartbeats after it.
    expect(await endsWithin(connection, 2_000 + 2.5 * HEARTBEAT_MS)).toBe(true);
  });

  it('when a Bearer token stays valid, then the stream stays open across heartbeats', async () => {
    const token = await tokens.sign({ sub: randomUUID(), scope: 'ledger:read', expiresInSeconds: 300 });
    const connection = await stream({ authorization: `Bearer ${token}` });
    expect(connection.status).toBe(200);
    expect(await endsWithin(connection, 3.2 * HEARTBEAT_MS)).toBe(false);
  });
});

// Security review (low): a request refused for its CSRF token counted as the session's use, so a
// cross-site page could keep an idle session alive. The token is checked before the session is touched.
describe('BFF session: a request refused for CSRF is not activity', () => {
  it.each([
    ['a deposit', '/api/deposits', { amount: 5_000 }],
    ['sign-out', '/api/auth/logout', undefined],
  ])('when %s arrives with the session cookie but without the CSRF token, then 403 and the idle clock does not move', async (_name, url, payload) => {
    const { id, idHash } = await session();
    await pool.query("UPDATE session SET last_used_at = now() - interval '10 minutes' WHERE id_hash = $1", [idHash]);
    const before = await lastUsedAt(idHash);

    const refused = await app.inject({
      method: 'POST',
      url,
      headers: { cookie: `flotilla_session=${id}`, 'idempotency-key': randomUUID(), ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload } : {}),
    });

    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await lastUsedAt(idHash)).toBe(before);
  });
});
