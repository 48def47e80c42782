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
 * replica sees every completed movement and wakes the streams it holds for the
 * users involved, so a transfer handled by replica A reaches a browser connected
 * to replica B. The handlers only say "user U has new activity"; the streams read
 * the rows themselves, in order. When the queue is re-created after a broker
 * outage, everything published meanwhile is gone, so every stream re-reads.
 */
export default fp(
  async (app) => {
    const consumer = createBroadcastConsumer({
      connection: app.messaging.connection,
      logger: app.messaging.logger,
      registry: app.metrics.registry,
      name: 'api.live-updates',
      onSubscribed: () => app.liveUpdates.notifyAll(),
      handlers: [
        onBroadcast(transferCompletedEvent, async (payload, ctx) => {
          app.liveUpdates.notify(payload.fromUserId);
          app.liveUpdates.notify(payload.toUserId);
          // The consumer's own line for the message: it carries trace.id, so one id follows a request to here.
          ctx.logger.info('live update handled');
        }),
        onBroadcast(depositCompletedEvent, async (payload, ctx) => {
          app.liveUpdates.notify(payload.userId);
          ctx.logger.info('live update handled');
        }),
      ],
    });
    app.decorate('liveUpdatesConsumer', consumer);
    app.addHook('onClose', async () => consumer.close());
  },
  { name: 'live-updates-consumer', fastify: '5.x', dependencies: ['messaging', 'live-updates'] },
);
