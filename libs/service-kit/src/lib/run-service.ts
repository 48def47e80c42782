import type { Logger } from '@flotilla/logging';

/** What runService needs from the app: any Fastify instance fits. */
export interface Listenable {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<unknown>;
  /** Called on SIGTERM/SIGINT, before shutdownDelayMs (createServer's: /readyz 503, `Connection: close`). */
  startDraining?(): void;
}

/** The process surface runService touches; injectable so its logic is unit-testable. */
export interface ServiceProcess {
  on(
    event: 'SIGTERM' | 'SIGINT',
    listener: (signal: NodeJS.Signals) => void,
  ): unknown;
  on(
    event: 'uncaughtException' | 'unhandledRejection',
    listener: (error: unknown) => void,
  ): unknown;
  exit(code: number): void;
}

export interface RunServiceOptions<App extends Listenable> {
  build: () => Promise<App>;
  host: string;
  port: number;
  /** Upper bound for a graceful stop; past it the process exits 1. */
  shutdownTimeoutMs: number;
  /**
   * How long the service keeps serving, draining, between SIGTERM/SIGINT and
   * app.close() (default 0). Behind a proxy that learns the replica set from
   * DNS (the gateway on a Swarm, docker/nginx/entrypoint/40-follow-upstreams.sh),
   * requests keep arriving until the proxy has re-resolved without this
   * replica; they are served rather than refused, while /readyz answers 503
   * and each response closes its connection (app.startDraining). Not applied
   * to a crash.
   */
  shutdownDelayMs?: number;
  logger: Logger;
  process?: ServiceProcess;
  /** Runs after app.close(), before the exit (e.g. flushing buffered spans); within the same bound. */
  afterClose?: () => Promise<void>;
}

/**
 * Builds the app, listens, and owns the process lifecycle. SIGTERM or SIGINT
 * runs app.close() (after shutdownDelayMs: stop accepting, let in-flight requests finish, onClose hooks
 * close the broker and the DB) and exits 0, or exits 1 when that takes longer
 * than shutdownTimeoutMs. A second signal exits at once. A crash (uncaught
 * exception, unhandled rejection) takes the same path with exit code 1.
 */
export async function runService<App extends Listenable>(
  options: RunServiceOptions<App>,
): Promise<App> {
  const { logger, shutdownTimeoutMs, shutdownDelayMs = 0 } = options;
  const proc: ServiceProcess = options.process ?? process;
  let app: App | undefined;
  let stopping = false;
  let exiting = false;

  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    // Let the last log lines reach stdout before the process goes.
    setImmediate(() => proc.exit(code));
  };

  const shutdown = (reason: string, exitCode: number, delayMs = 0) => {
    if (stopping) {
      logger.warn('second shutdown request; exiting now', {
        'event.reason': reason,
      });
      exiting = true;
      proc.exit(exitCode === 0 ? 1 : exitCode);
      return;
    }
    stopping = true;
    logger.info('shutting down', {
      'event.reason': reason,
      'event.timeout_ms': shutdownTimeoutMs,
      'event.delay_ms': delayMs,
    });
    if (exitCode === 0) app?.startDraining?.();
    if (delayMs > 0) setTimeout(() => close(exitCode), delayMs);
    else close(exitCode);
  };

  const close = (exitCode: number) => {
    const timer = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', {
        'event.timeout_ms': shutdownTimeoutMs,
      });
      exit(1);
    }, shutdownTimeoutMs);
    const closing = (app ? app.close() : Promise.resolve()).then(() => options.afterClose?.());
    closing.then(
      () => {
        clearTimeout(timer);
        logger.info('stopped');
        exit(exitCode);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger.error('error while shutting down', { err: error });
        exit(1);
      },
    );
  };

  proc.on('SIGTERM', (signal) => shutdown(signal, 0, shutdownDelayMs));
  proc.on('SIGINT', (signal) => shutdown(signal, 0, shutdownDelayMs));
  proc.on('uncaughtException', (error) => {
    logger.fatal('uncaught exception', { err: error });
    shutdown('uncaughtException', 1);
  });
  proc.on('unhandledRejection', (error) => {
    logger.fatal('unhandled promise rejection', { err: error });
    shutdown('unhandledRejection', 1);
  });

  try {
    app = await options.build();
    if (stopping) {
      await app.close();
      return app;
    }
    const address = await app.listen({
      host: options.host,
      port: options.port,
    });
    logger.info('listening', { 'url.full': address });
    return app;
  } catch (error) {
    logger.fatal('could not start', { err: error });
    stopping = true;
    await app?.close().catch(() => undefined);
    exit(1);
    throw error;
  }
}
