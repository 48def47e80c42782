import type pg from 'pg';
import { userSignedOutEvent } from '@flotilla/contracts';
import { enqueueOutbox } from '@flotilla/messaging';
import { nthRecentAttempt } from './attempt-log';
import type { SessionStore } from '../../../domain/login/sessions';
import type { LoginAttemptStore } from '../../../domain/login/throttle';

// The sign-in path runs on plain SQL over the shared pool: it is the hottest path
// of the service, and Prisma's per-query compilation cost more CPU than the queries.

export function createSessionsRepository(db: pg.Pool): SessionStore {
  return {
    async create(session) {
      await db.query(
        `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, amr)
         VALUES ($1, $2::uuid, $3, $3, $4, $5, $6, $7::text[])`,
        [
          session.id,
          session.userId,
          session.at,
          session.expiresAt,
          session.ip.slice(0, 64),
          session.userAgent,
          [...session.amr],
        ],
      );
    },
    async find(id) {
      const { rows } = await db.query<{
        id: string;
        user_id: string;
        created_at: Date;
        last_seen_at: Date;
        expires_at: Date;
        ended_at: Date | null;
        status: string;
        amr: string[];
      }>(
        `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, s.amr, u.status
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
        [id],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        endedAt: row.ended_at,
        userActive: row.status === 'ACTIVE',
        amr: row.amr,
      };
    },
    async touch(id, at) {
      await db.query(
        'UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL',
        [id, at],
      );
    },
    async end(id, at) {
      await db.query(
        'UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL',
        [id, at],
      );
    },
    async endAndRevokeTokens(id, at) {
      // One statement, so it is atomic: the session, the refresh families granted in
      // it (by their own session_id: the codes may already be deleted by housekeeping),
      // and the access tokens from those families and from the session's codes. In the
      // same transaction, user.signed_out goes to the outbox when a session did end, so
      // the API re-checks the user's browser sessions (a second sign-out sends nothing).
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ user_id: string }>(
          `WITH ended AS (
             UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id, user_id
           ), families AS (
             UPDATE refresh_token_families f SET revoked_at = $2, revoked_reason = 'signed-out'
             WHERE f.session_id = $1 AND f.revoked_at IS NULL
             RETURNING f.id
           ), tokens AS (
             UPDATE access_tokens a SET revoked_at = $2
             WHERE a.revoked_at IS NULL
               AND (a.family_id IN (SELECT id FROM families)
                    OR a.authorization_code_id IN (SELECT id FROM authorization_codes WHERE session_id = $1))
             RETURNING 1
           )
           SELECT user_id::text FROM ended`,
          [id, at],
        );
        const userId = rows[0]?.user_id;
        if (userId) {
          await enqueueOutbox(client, userSignedOutEvent, { userId, signedOutAt: at.toISOString() }, { aggregateType: 'user', aggregateId: userId });
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

export function createLoginAttemptsRepository(db: pg.Pool): LoginAttemptStore {
  const nthRecentFailure =
    (executor: Pick<pg.Pool, 'query'>): LoginAttemptStore['nthRecentFailure'] =>
    (key, n, since) =>
      'email' in key
        ? nthRecentAttempt(
            executor,
            { table: 'login_attempts', column: 'email', failuresOnly: true },
            key.email,
            n,
            since,
          )
        : nthRecentAttempt(
            executor,
            { table: 'login_attempts', column: 'ip', failuresOnly: true },
            key.ip,
            n,
            since,
          );
  return {
    nthRecentFailure: nthRecentFailure(db),
    async reserve(attempt, check) {
      const email = attempt.email.slice(0, 254);
      const ip = attempt.ip.slice(0, 64);
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        // Transaction-scoped advisory locks, email first then IP (one order, so no
        // deadlock): reservations for the same key run one after another, and
        // each sees the rows of the ones before it.
        await client.query(
          "SELECT pg_advisory_xact_lock(hashtextextended('login-email:' || $1, 0)), pg_advisory_xact_lock(hashtextextended('login-ip:' || $2, 0))",
          [email, ip],
        );
        const decision = await check({
          nthRecentFailure: nthRecentFailure(client),
        });
        let attemptId: string | undefined;
        if (decision.allowed) {
          const { rows } = await client.query<{ id: string }>(
            'INSERT INTO login_attempts (email, ip, succeeded, created_at) VALUES ($1, $2, false, $3) RETURNING id::text AS id',
            [email, ip, attempt.at],
          );
          attemptId = rows[0].id;
        }
        await client.query('COMMIT');
        return { decision, attemptId };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async settle(attemptId, succeeded) {
      await db.query(
        'UPDATE login_attempts SET succeeded = $2 WHERE id = $1::bigint',
        [attemptId, succeeded],
      );
    },
    async record(attempt) {
      await db.query(
        'INSERT INTO login_attempts (email, ip, succeeded, created_at) VALUES ($1, $2, $3, $4)',
        [
          attempt.email.slice(0, 254),
          attempt.ip.slice(0, 64),
          attempt.succeeded,
          attempt.at,
        ],
      );
    },
  };
}
