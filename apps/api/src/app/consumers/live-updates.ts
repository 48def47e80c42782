import fp from 'fastify-plugin';
import { createBroadcastConsumer, onBroadcast, type Consumer } from '@flotilla/messaging';
import { depositCompletedEvent, transferCompletedEvent } from '@flotilla/contracts';

declare module 'fastify' {
  interface FastifyInstance {
    liveUpdatesConsumer: Consumer;
  }
}

/**
 * This replica's own exclusive, auto-deleted queue on the events exchange: every
 * replica sees every completed movement and pushes it to the streams it holds,
 * so a transfer handled by replica A reaches a browser connected to replica B.
 */
export default fp(
  async (app) => {
    const consumer = createBroadcastConsumer({
      connection: app.messaging.connection,
      logger: app.messaging.logger,
      registry: app.metrics.registry,
      name: 'api.live-updates',
      handlers: [
        onBroadcast(transferCompletedEvent, async (payload, ctx) => {
          await Promise.all([
            app.liveUpdates.notify(payload.fromUserId, payload.transferId),
            app.liveUpdates.notify(payload.toUserId, payload.transferId),
          ]);
          // The consumer's own line for the message: it carries trace.id, so one id follows a request to here.
          ctx.logger.info('live update handled');
        }),
        onBroadcast(depositCompletedEvent, async (payload, ctx) => {
          await app.liveUpdates.notify(payload.userId, payload.depositId);
          ctx.logger.info('live update handled');
        }),
      ],
    });
    app.decorate('liveUpdatesConsumer', consumer);
    app.addHook('onClose', async () => consumer.close());
  },
  { name: 'live-updates-consumer', fastify: '5.x', dependencies: ['messaging', 'live-updates'] },
);
