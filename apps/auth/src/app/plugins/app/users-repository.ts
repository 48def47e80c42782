import type pg from 'pg';
import type { OutboxEvent, UserRecord, UserStore } from '../../../domain/users/ports';
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
  };
}
