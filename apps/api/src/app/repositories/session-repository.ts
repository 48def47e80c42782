import type { Pool, PoolClient } from 'pg';
import { watchCheckedOutClient } from '@flotilla/messaging';
import type { SqlExecutor } from './sql';

export interface StoredSession {
  idHash: string;
  userId: string;
  email: string;
  displayName: string;
  scope: string;
  /** Sealed (token-cipher); never the plaintext token. */
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  accessExpiresAt: Date;
  expiresAt: Date;
  /** The provider reported a sign-out (user.signed_out): refresh before this session is used again. */
  recheck?: boolean;
}

interface SessionRow {
  id_hash: string;
  user_id: string;
  email: string;
  display_name: string;
  scope: string;
  access_token: string;
  refresh_token: string | null;
  id_token: string | null;
  access_expires_at: Date;
  expires_at: Date;
  recheck?: boolean;
}

const COLUMNS = 'id_hash, user_id, email, display_name, scope, access_token, refresh_token, id_token, access_expires_at, expires_at';
const READ_COLUMNS = `${COLUMNS}, recheck_requested_at IS NOT NULL AS recheck`;

function toSession(row: SessionRow): StoredSession {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    email: row.email,
    displayName: row.display_name,
    scope: row.scope,
    accessToken: row.access_token,
    refreshToken: row.refresh_token,
    idToken: row.id_token,
    accessExpiresAt: row.access_expires_at,
    expiresAt: row.expires_at,
    recheck: row.recheck ?? false,
  };
}

export interface SessionRepository {
  create(session: StoredSession): Promise<void>;
  /**
   * The session if it is within its lifetime and was last used within the idle
   * timeout; finding it counts as a use (ASVS 5.0 V7.3.1, enforced here, on
   * every request, not by the cookie's lifetime).
   */
  findLive(idHash: string): Promise<StoredSession | null>;
  /** Whether the session is live, without counting as a use (an open stream's re-check, a refused request). */
  isLive(idHash: string): Promise<boolean>;
  /** Runs `work` with the session row locked, so one replica at a time refreshes its tokens. */
  withLocked<T>(idHash: string, work: (session: StoredSession | null, db: SqlExecutor) => Promise<T>): Promise<T>;
  updateTokens(db: SqlExecutor, idHash: string, tokens: Pick<StoredSession, 'accessToken' | 'refreshToken' | 'accessExpiresAt' | 'scope'>): Promise<void>;
  delete(idHash: string): Promise<StoredSession | null>;
  purgeExpired(): Promise<number>;
}

export function createSessionRepository(pool: Pool, options: { idleTimeoutMs: number }): SessionRepository {
  const idleSeconds = options.idleTimeoutMs / 1000;
  const LIVE = 'expires_at > now() AND last_used_at > now() - make_interval(secs => $2)';
  return {
    async create(s) {
      await pool.query(
        `INSERT INTO session (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [s.idHash, s.userId, s.email, s.displayName, s.scope, s.accessToken, s.refreshToken, s.idToken, s.accessExpiresAt, s.expiresAt],
      );
    },
    async findLive(idHash) {
      const { rows } = await pool.query<SessionRow>(`UPDATE session SET last_used_at = now() WHERE id_hash = $1 AND ${LIVE} RETURNING ${READ_COLUMNS}`, [
        idHash,
        idleSeconds,
      ]);
      return rows[0] ? toSession(rows[0]) : null;
    },
    async isLive(idHash) {
      const { rowCount } = await pool.query(`SELECT 1 FROM session WHERE id_hash = $1 AND ${LIVE}`, [idHash, idleSeconds]);
      return (rowCount ?? 0) > 0;
    },
    async withLocked(idHash, work) {
      const client: PoolClient = await pool.connect();
      // The refresh call to the auth service runs inside this transaction: a connection lost meanwhile must not crash the process.
      const watch = watchCheckedOutClient(client);
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<SessionRow>(
          `SELECT ${READ_COLUMNS} FROM session WHERE id_hash = $1 AND ${LIVE} FOR UPDATE`,
          [idHash, idleSeconds],
        );
        const result = await work(rows[0] ? toSession(rows[0]) : null, client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        watch.stop();
        client.release(watch.lost());
      }
    },
    async updateTokens(db, idHash, tokens) {
      await db.query(
        'UPDATE session SET access_token = $2, refresh_token = $3, access_expires_at = $4, scope = $5, recheck_requested_at = NULL, updated_at = now() WHERE id_hash = $1',
        [idHash, tokens.accessToken, tokens.refreshToken, tokens.accessExpiresAt, tokens.scope],
      );
    },
    async delete(idHash) {
      const { rows } = await pool.query<SessionRow>(`DELETE FROM session WHERE id_hash = $1 RETURNING ${COLUMNS}`, [idHash]);
      return rows[0] ? toSession(rows[0]) : null;
    },
    async purgeExpired() {
      const { rowCount } = await pool.query('DELETE FROM session WHERE expires_at <= now() OR last_used_at <= now() - make_interval(secs => $1)', [
        idleSeconds,
      ]);
      return rowCount ?? 0;
    },
  };
}
