import type pg from 'pg';
import { nthRecentAttempt } from './attempt-log';
import type { MfaAttemptStore, TotpStore } from '../../../domain/mfa/totp';
import type { PrismaClient } from '../../../generated/prisma/client';
import { writeUserEvent } from './outbox';

export function createTotpRepository(
  prisma: PrismaClient,
  db: pg.Pool,
): TotpStore {
  return {
    async find(userId) {
      const row = await prisma.userTotp.findUnique({ where: { userId } });
      if (!row) return undefined;
      return {
        secret: row.secret,
        confirmed: row.confirmedAt !== null,
        lastUsedStep:
          row.lastUsedStep === null ? null : Number(row.lastUsedStep),
      };
    },
    async savePending(userId, secret, at) {
      const { rowCount } = await db.query(
        `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1::uuid, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at
         WHERE user_totp.confirmed_at IS NULL`,
        [userId, secret, at],
      );
      return (rowCount ?? 0) === 1;
    },
    async confirm(userId, step, codeHashes, at, event) {
      return prisma.$transaction(async (tx) => {
        const confirmed = await tx.userTotp.updateMany({
          where: { userId, confirmedAt: null },
          data: { confirmedAt: at, lastUsedStep: BigInt(step) },
        });
        if (confirmed.count === 0) return false;
        await tx.recoveryCode.deleteMany({ where: { userId } });
        await tx.recoveryCode.createMany({
          data: codeHashes.map((codeHash) => ({
            userId,
            codeHash,
            createdAt: at,
          })),
        });
        await writeUserEvent(tx, userId, event);
        return true;
      });
    },
    async useStep(userId, step) {
      // One conditional statement: of two sign-ins with the same code, one wins (RFC 6238 §5.2).
      const { rowCount } = await db.query(
        `UPDATE user_totp SET last_used_step = $2
         WHERE user_id = $1::uuid AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)`,
        [userId, step],
      );
      return (rowCount ?? 0) === 1;
    },
    async useRecoveryCode(userId, codeHash, at) {
      const { rowCount } = await db.query(
        'UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1::uuid AND code_hash = $2 AND used_at IS NULL',
        [userId, codeHash, at],
      );
      return (rowCount ?? 0) === 1;
    },
  };
}

export function createMfaAttemptsRepository(db: pg.Pool): MfaAttemptStore {
  return {
    nthRecentFailure: (key, n, since) =>
      'userId' in key
        ? nthRecentAttempt(
            db,
            { table: 'mfa_attempts', column: 'user_id', failuresOnly: true },
            key.userId,
            n,
            since,
          )
        : nthRecentAttempt(
            db,
            { table: 'mfa_attempts', column: 'ip', failuresOnly: true },
            key.ip,
            n,
            since,
          ),
    async record(attempt) {
      await db.query(
        'INSERT INTO mfa_attempts (user_id, ip, succeeded, created_at) VALUES ($1::uuid, $2, $3, $4)',
        [
          attempt.userId,
          attempt.ip.slice(0, 64),
          attempt.succeeded,
          attempt.at,
        ],
      );
    },
  };
}
