import type pg from 'pg';
import { nthRecentAttempt } from './attempt-log';
import type {
  ResetRequestLog,
  ResetTokenStore,
} from '../../../domain/users/reset-password';
import type { PrismaClient } from '../../../generated/prisma/client';
import { writeUserEvent } from './outbox';
import { replaceCredentials } from './users-repository';

export function createResetTokensRepository(
  prisma: PrismaClient,
): ResetTokenStore {
  return {
    async create(token) {
      await prisma.passwordResetToken.create({
        data: {
          id: token.id,
          userId: token.userId,
          createdAt: token.at,
          expiresAt: token.expiresAt,
        },
      });
    },
    async findLive(id, at) {
      const row = await prisma.passwordResetToken.findFirst({
        where: { id, usedAt: null, expiresAt: { gt: at } },
        select: { userId: true },
      });
      return row?.userId;
    },
    async consume(input, event, passkeysRemoved) {
      return prisma.$transaction(async (tx) => {
        // The conditional update is the single-use check: of two concurrent uses, one spends it.
        const spent = await tx.passwordResetToken.updateManyAndReturn({
          where: { id: input.id, usedAt: null, expiresAt: { gt: input.at } },
          data: { usedAt: input.at },
          select: { userId: true },
        });
        const userId = spent[0]?.userId;
        if (!userId) return 'spent' as const;
        await tx.passwordResetToken.updateMany({
          where: { userId, usedAt: null },
          data: { usedAt: input.at },
        });
        const result = await replaceCredentials(
          tx,
          {
            userId,
            passwordHash: input.passwordHash,
            at: input.at,
            keepSessionId: null,
          },
          event(userId),
        );
        const passkeys = await tx.webAuthnCredential.deleteMany({ where: { userId } });
        if (passkeys.count > 0) await writeUserEvent(tx, userId, passkeysRemoved(userId));
        return { userId, ...result };
      });
    },
  };
}

/** The reset request log, read through the login throttle's interface (every request counts as a "failure"). */
export function createResetRequestsRepository(db: pg.Pool): ResetRequestLog {
  return {
    nthRecentFailure: (key, n, since) =>
      'email' in key
        ? nthRecentAttempt(
            db,
            {
              table: 'password_reset_requests',
              column: 'email',
              failuresOnly: false,
            },
            key.email,
            n,
            since,
          )
        : nthRecentAttempt(
            db,
            {
              table: 'password_reset_requests',
              column: 'ip',
              failuresOnly: false,
            },
            key.ip,
            n,
            since,
          ),
    async record(attempt) {
      await db.query(
        'INSERT INTO password_reset_requests (email, ip, created_at) VALUES ($1, $2, $3)',
        [attempt.email.slice(0, 254), attempt.ip.slice(0, 64), attempt.at],
      );
    },
  };
}
