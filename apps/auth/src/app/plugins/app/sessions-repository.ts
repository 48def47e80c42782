import type { SessionStore } from '../../../domain/login/sessions';
import type { LoginAttemptStore } from '../../../domain/login/throttle';
import type { PrismaClient } from '../../../generated/prisma/client';

export function createSessionsRepository(prisma: PrismaClient): SessionStore {
  return {
    async create(session) {
      await prisma.session.create({
        data: {
          id: session.id,
          userId: session.userId,
          createdAt: session.at,
          lastSeenAt: session.at,
          expiresAt: session.expiresAt,
          ip: session.ip.slice(0, 64),
          userAgent: session.userAgent,
        },
      });
    },
    async find(id) {
      const row = await prisma.session.findUnique({ where: { id }, include: { user: { select: { status: true } } } });
      if (!row) return undefined;
      return {
        id: row.id,
        userId: row.userId,
        createdAt: row.createdAt,
        lastSeenAt: row.lastSeenAt,
        expiresAt: row.expiresAt,
        endedAt: row.endedAt,
        userActive: row.user.status === 'ACTIVE',
      };
    },
    async touch(id, at) {
      await prisma.session.updateMany({ where: { id, endedAt: null }, data: { lastSeenAt: at } });
    },
    async end(id, at) {
      await prisma.session.updateMany({ where: { id, endedAt: null }, data: { endedAt: at } });
    },
  };
}

export function createLoginAttemptsRepository(prisma: PrismaClient): LoginAttemptStore {
  return {
    async nthRecentFailure(key, n, since) {
      const row = await prisma.loginAttempt.findFirst({
        where: { ...('email' in key ? { email: key.email } : { ip: key.ip }), succeeded: false, createdAt: { gt: since } },
        orderBy: { createdAt: 'desc' },
        skip: n - 1,
        select: { createdAt: true },
      });
      return row?.createdAt;
    },
    async record(attempt) {
      await prisma.loginAttempt.create({
        data: { email: attempt.email.slice(0, 254), ip: attempt.ip.slice(0, 64), succeeded: attempt.succeeded, createdAt: attempt.at },
      });
    },
  };
}
