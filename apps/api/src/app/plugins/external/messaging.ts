import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import { MESSAGING_TOPOLOGY } from '@flotilla/contracts';
import {
  brokerReadinessCheck,
  createMessagingConnection,
  createOutboxRelay,
  createPublisher,
  type Logger,
  type MessagingConnection,
  type OutboxRelay,
  type Publisher,
} from '@flotilla/messaging';

declare module 'fastify' {
  interface FastifyInstance {
    messaging: { connection: MessagingConnection; publisher: Publisher; logger: Logger };
  }
}

export interface MessagingPluginOptions {
  url: string;
  /** Run the outbox relay in this process (every replica may: rows are claimed with SKIP LOCKED). */
  relay: boolean;
  relayPollIntervalMs?: number;
  /** Sent rows older than this are purged by the relay. */
  outboxRetentionMs?: number;
}

/** The messaging lib wants winston's (message, meta) call shape; Fastify's logger takes (meta, message). */
export function messagingLogger(log: FastifyBaseLogger): Logger {
  return {
    error: (message, meta) => log.error(meta ?? {}, message),
    warn: (message, meta) => log.warn(meta ?? {}, message),
    info: (message, meta) => log.info(meta ?? {}, message),
    debug: (message, meta) => log.debug(meta ?? {}, message),
  };
}

/**
 * The RabbitMQ connection, the confirming publisher and the outbox relay. The
 * connection is made lazily and re-made on loss; /readyz reports the broker.
 */
export default fp<MessagingPluginOptions>(
  async (app, options) => {
    const logger = messagingLogger(app.log);
    const connection = createMessagingConnection({ url: options.url, logger, name: 'api' });
    // Every queue the system needs exists before this process publishes (issue 11, finding 2).
    const publisher = createPublisher({ connection, logger, registry: app.metrics.registry, appId: 'api', topology: MESSAGING_TOPOLOGY });
    let relay: OutboxRelay | undefined;
    if (options.relay) {
      relay = createOutboxRelay({
        db: app.db,
        publisher,
        registry: app.metrics.registry,
        logger,
        ...(options.relayPollIntervalMs ? { pollIntervalMs: options.relayPollIntervalMs } : {}),
        ...(options.outboxRetentionMs ? { retentionMs: options.outboxRetentionMs } : {}),
      });
    }

    app.decorate('messaging', { connection, publisher, logger });
    app.health.register('broker', brokerReadinessCheck(connection));
    app.addHook('onReady', async () => {
      relay?.start();
    });
    app.addHook('onClose', async () => {
      await relay?.close();
      await connection.close();
    });
  },
  { name: 'messaging', fastify: '5.x', dependencies: ['db'], decorators: { fastify: ['health', 'metrics', 'db'] } },
);
