import fp from 'fastify-plugin';
import { MESSAGING_TOPOLOGY } from '@flotilla/contracts';
import type { Logger } from '@flotilla/logging';
import { createMessagingConnection, createOutboxRelay, createPublisher, type OutboxRelay } from '@flotilla/messaging';

export interface MessagingPluginOptions {
  url: string;
  logger: Logger;
}

declare module 'fastify' {
  interface FastifyInstance {
    outboxRelay: OutboxRelay;
  }
}

/**
 * Publishes what the use cases wrote to outbox_event (user.registered,
 * user.deactivated) to RabbitMQ. Not a readiness check: sign-in does not need the
 * broker, and events wait in the outbox while it is away.
 */
export default fp<MessagingPluginOptions>(
  async (app, options) => {
    const connection = createMessagingConnection({ url: options.url, logger: options.logger, name: 'flotilla-auth' });
    // Every queue the system needs exists before this process publishes (issue 11, finding 2).
    const publisher = createPublisher({
      connection,
      logger: options.logger,
      registry: app.metrics.registry,
      appId: 'auth',
      topology: MESSAGING_TOPOLOGY,
    });
    const relay = createOutboxRelay({ db: app.db, publisher, registry: app.metrics.registry, logger: options.logger });
    app.decorate('outboxRelay', relay);
    app.addHook('onReady', async () => {
      relay.start();
    });
    app.addHook('onClose', async () => {
      await relay.close();
      await publisher.close();
      await connection.close();
    });
  },
  { name: 'messaging', fastify: '5.x', dependencies: ['db'] },
);
