import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { errorFields, type Logger } from './types';

export interface MessagingConnectionOptions {
  /** amqp(s)://user:pass@host:port/vhost */
  url: string;
  logger: Logger;
  /** Shown in the management UI (client property `connection_name`). */
  name?: string;
  /** Default 5 s. A dead peer is noticed after about two missed heartbeats. */
  heartbeatIntervalInSeconds?: number;
  /** Fixed pause between connection attempts, so a broker outage never turns into a busy loop. Default 5 s. */
  reconnectTimeInSeconds?: number;
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface MessagingConnection {
  readonly manager: AmqpConnectionManager;
  isConnected(): boolean;
  /** The last connection failure, cleared on connect. */
  readonly lastError: Error | undefined;
  /** Resolves when connected; rejects after `timeoutMs` with the last connection error. */
  waitForConnect(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

interface ChannelState {
  name: string;
  up: boolean;
  closing: boolean;
}

interface ConnectionInternals {
  logger: Logger;
  reconnectTimeInSeconds: number;
  channels: Set<ChannelState>;
}

const internals = new WeakMap<MessagingConnection, ConnectionInternals>();

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable AMQP URL>';
  }
}

export function createMessagingConnection(options: MessagingConnectionOptions): MessagingConnection {
  const { url, logger } = options;
  const safeUrl = redactUrl(url);
  const heartbeatIntervalInSeconds = options.heartbeatIntervalInSeconds ?? 5;
  const reconnectTimeInSeconds = options.reconnectTimeInSeconds ?? 5;
  const manager = connect([url], {
    heartbeatIntervalInSeconds,
    reconnectTimeInSeconds,
    connectionOptions: {
      timeout: options.connectTimeoutMs ?? 10_000,
      clientProperties: { connection_name: options.name ?? 'flotilla' },
    },
  });
  let lastError: Error | undefined;
  let closed = false;

  manager.on('connect', () => {
    lastError = undefined;
    logger.info('connected to RabbitMQ', { 'url.full': safeUrl });
  });
  manager.on('connectFailed', ({ err }) => {
    lastError = err;
    logger.error(`cannot connect to RabbitMQ at ${safeUrl}: ${err.message}; retrying in ${reconnectTimeInSeconds}s`, {
      'url.full': safeUrl,
      ...errorFields(err),
    });
  });
  manager.on('disconnect', ({ err }) => {
    if (closed) return;
    lastError = err ?? new Error('connection closed');
    logger.warn(`disconnected from RabbitMQ: ${lastError.message}; reconnecting`, { 'url.full': safeUrl, ...errorFields(lastError) });
  });
  manager.on('blocked', ({ reason }) => logger.warn('RabbitMQ blocked publishing on this connection', { reason }));
  manager.on('unblocked', () => logger.info('RabbitMQ unblocked this connection'));

  const connection: MessagingConnection = {
    manager,
    isConnected: () => manager.isConnected(),
    get lastError() {
      return lastError;
    },
    async waitForConnect(timeoutMs) {
      if (manager.isConnected()) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          manager.removeListener('connect', onConnect);
          reject(new BrokerUnavailableError(`RabbitMQ at ${safeUrl} not reachable within ${timeoutMs} ms: ${lastError?.message ?? 'no answer'}`));
        }, timeoutMs);
        const onConnect = () => {
          clearTimeout(timer);
          resolve();
        };
        manager.once('connect', onConnect);
      });
    },
    async close() {
      closed = true;
      await manager.close();
    },
  };
  internals.set(connection, { logger, reconnectTimeInSeconds, channels: new Set() });
  return connection;
}

/**
 * For `app.health.register('broker', check)`: fails while the connection is
 * down or one of its channels lost its topology (a channel-level error).
 */
export function brokerReadinessCheck(connection: MessagingConnection): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    signal.throwIfAborted();
    if (!connection.isConnected()) {
      throw new BrokerUnavailableError(`RabbitMQ not connected: ${connection.lastError?.message ?? 'connecting'}`);
    }
    for (const channel of internals.get(connection)?.channels ?? []) {
      if (!channel.up && !channel.closing) throw new BrokerUnavailableError(`RabbitMQ channel "${channel.name}" is not set up`);
    }
  };
}

export interface ManagedChannel {
  wrapper: ChannelWrapper;
  /** The underlying channel of the current connection, once its setup ran. */
  current(): ConfirmChannel | undefined;
  /** Resolves once the setup completed on a live channel; rejects after `timeoutMs`. */
  waitForSetup(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A confirm channel whose setup (topology, consumers) runs on every
 * (re)connect. amqp-connection-manager only re-creates channels when the
 * connection comes back, so a channel the broker closed on its own (a
 * channel-level error) forces a reconnect, after the usual pause.
 */
export function openChannel(
  connection: MessagingConnection,
  options: { name: string; setup: (channel: ConfirmChannel) => Promise<void>; publishTimeoutMs?: number },
): ManagedChannel {
  const internal = internals.get(connection);
  if (!internal) throw new TypeError('not a connection made by createMessagingConnection');
  const { logger, reconnectTimeInSeconds, channels } = internal;
  const state: ChannelState = { name: options.name, up: false, closing: false };
  let current: ConfirmChannel | undefined;
  let waiters: (() => void)[] = [];
  channels.add(state);

  const wrapper = connection.manager.createChannel({
    name: options.name,
    confirm: true,
    ...(options.publishTimeoutMs ? { publishTimeout: options.publishTimeoutMs } : {}),
    setup: async (channel: ConfirmChannel) => {
      channel.on('error', (err: Error) => {
        if (!state.closing) logger.error(`RabbitMQ closed channel "${options.name}": ${err.message}`, errorFields(err));
      });
      channel.on('close', () => {
        if (current === channel) {
          current = undefined;
          state.up = false;
        }
        if (state.closing) return;
        const timer = setTimeout(() => {
          if (!state.closing && !state.up && connection.manager.isConnected()) {
            logger.warn(`channel "${options.name}" stays closed; reconnecting to set it up again`);
            connection.manager.reconnect();
          }
        }, reconnectTimeInSeconds * 1000);
        timer.unref();
      });
      await options.setup(channel);
      current = channel;
      state.up = true;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
  });
  wrapper.on('error', (err: Error) => {
    logger.error(`setting up channel "${options.name}" failed: ${err.message}`, errorFields(err));
  });

  return {
    wrapper,
    current: () => current,
    waitForSetup(timeoutMs) {
      if (current) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          reject(new BrokerUnavailableError(`channel "${options.name}" not set up within ${timeoutMs} ms: ${connection.lastError?.message ?? 'no error reported'}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(done);
      });
    },
    async close() {
      state.closing = true;
      channels.delete(state);
      await wrapper.close().catch(() => undefined);
    },
  };
}
