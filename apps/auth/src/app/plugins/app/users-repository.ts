import type pg from 'pg';
import type { CredentialsReset, OutboxEvent, UserRecord, UserStore } from '../../../domain/users/ports';
import { Prisma, type PrismaClient, type User } from '../../../generated/prisma/client';
import { writeUserEvent } from './outbox';

function toRecord(user: User): UserRecord {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
    active: user.status === 'ACTIVE',
    createdAt: user.createdAt,
  };
}

export function createUsersRepository(prisma: PrismaClient, db: pg.Pool): UserStore {
  return {
    // On the sign-in path: plain SQL (see sessions-repository.ts).
    async findByEmail(email) {
      const { rows } = await db.query<{ id: string; email: string; display_name: string; password_hash: string; status: string; created_at: Date }>(
        'SELECT id, email, display_name, password_hash, status, created_at FROM users WHERE email = $1',
        [email],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        id: row.id,
        email: row.email,
        displayName: row.display_name,
        passwordHash: row.password_hash,
        active: row.status === 'ACTIVE',
        createdAt: row.created_at,
      };
    },

    async findById(id) {
      const user = await prisma.user.findUnique({ where: { id } });
      return user ? toRecord(user) : undefined;
    },

    async create(input, event: (user: UserRecord) => OutboxEvent) {
      try {
        return await prisma.$transaction(async (tx) => {
          const user = toRecord(await tx.user.create({ data: input }));
          await writeUserEvent(tx, user.id, event(user));
          return user;
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return 'email-taken';
        throw error;
      }
    },

    async updatePasswordHash(id, passwordHash) {
      await prisma.user.update({ where: { id }, data: { passwordHash } });
    },

    async deactivate(id, at, event) {
      return prisma.$transaction(async (tx) => {
        const changed = await tx.user.updateMany({ where: { id, status: 'ACTIVE' }, data: { status: 'DEACTIVATED', deactivatedAt: at } });
        if (changed.count === 0) return false;
        await tx.session.updateMany({ where: { userId: id, endedAt: null }, data: { endedAt: at } });
        await tx.refreshTokenFamily.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: at, revokedReason: 'user-deactivated' } });
        await tx.accessToken.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: at } });
        const user = toRecord(await tx.user.findUniqueOrThrow({ where: { id } }));
        await writeUserEvent(tx, id, event(user));
        return true;
      });
    },

    async replacePassword(input, event) {
      return prisma.$transaction((tx) => replaceCredentials(tx, input, event));
    },
  };
}

/**
 * The new password hash, and with it: every session but `keepSessionId` ends, every
 * refresh family and access token of the user is revoked, and the event is enqueued.
 * Runs inside the caller's transaction.
 */
export async function replaceCredentials(
  tx: Prisma.TransactionClient,
  input: { readonly userId: string; readonly passwordHash: string; readonly at: Date; readonly keepSessionId: string | null },
  event: OutboxEvent,
): Promise<CredentialsReset> {
  const { userId, at } = input;
  await tx.user.update({ where: { id: userId }, data: { passwordHash: input.passwordHash } });
  const sessions = await tx.session.updateMany({
    where: { userId, endedAt: null, ...(input.keepSessionId ? { id: { not: input.keepSessionId } } : {}) },
    data: { endedAt: at },
  });
  const families = await tx.refreshTokenFamily.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: at, revokedReason: 'password-changed' },
  });
  await tx.accessToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
  await writeUserEvent(tx, userId, event);
  return { sessionsEnded: sessions.count, familiesRevoked: families.count };
}
