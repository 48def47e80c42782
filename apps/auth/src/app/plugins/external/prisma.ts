import fp from 'fastify-plugin';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../../generated/prisma/client';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prisma over the `db` pool: one pool per process, one readiness check. */
    prisma: PrismaClient;
  }
}

export default fp(
  async (app) => {
    const prisma = new PrismaClient({ adapter: new PrismaPg(app.db, { disposeExternalPool: false }) });
    app.decorate('prisma', prisma);
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
    });
  },
  { name: 'prisma', fastify: '5.x', dependencies: ['db'] },
);
