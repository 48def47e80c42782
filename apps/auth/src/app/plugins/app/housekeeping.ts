import fp from 'fastify-plugin';

export interface HousekeepingOptions {
  intervalMs: number;
  /** Rows no longer needed are kept this long after they stop mattering, for investigation. */
  retentionSeconds: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    housekeeping: { runOnce(now?: Date): Promise<Record<string, number>> };
  }
}

/**
 * Deletes what can no longer matter: old login attempts, expired codes, access
 * token records, sessions and refresh families. Several replicas may run it at
 * once; the deletes are idempotent.
 */
export default fp<HousekeepingOptions>(
  async (app, options) => {
    const runOnce = async (now = new Date()) => {
      const before = new Date(now.getTime() - options.retentionSeconds * 1000);
      const [attempts, codes, accessTokens, sessions, families, challenges] = await Promise.all([
        app.prisma.loginAttempt.deleteMany({ where: { createdAt: { lt: before } } }),
        app.prisma.authorizationCode.deleteMany({ where: { expiresAt: { lt: before } } }),
        app.prisma.accessToken.deleteMany({ where: { expiresAt: { lt: before } } }),
        app.prisma.session.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { endedAt: { lt: before } }] } }),
        app.prisma.refreshTokenFamily.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] } }),
        // An expired challenge can never be answered: nothing to keep it for.
        app.prisma.webAuthnChallenge.deleteMany({ where: { expiresAt: { lt: now } } }),
      ]);
      return {
        loginAttempts: attempts.count,
        authorizationCodes: codes.count,
        accessTokens: accessTokens.count,
        sessions: sessions.count,
        refreshFamilies: families.count,
        webauthnChallenges: challenges.count,
      };
    };
    app.decorate('housekeeping', { runOnce });

    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      timer = setInterval(() => {
        runOnce().then(
          (deleted) => app.log.debug({ deleted }, 'housekeeping done'),
          (error: unknown) => app.log.warn({ err: error }, 'housekeeping failed'),
        );
      }, options.intervalMs);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
    });
  },
  { name: 'housekeeping', fastify: '5.x', dependencies: ['prisma'] },
);
