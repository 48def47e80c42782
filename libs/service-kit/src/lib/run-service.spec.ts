import { EventEmitter } from 'node:events';
import { createCapturedLogger } from '@flotilla/logging/testing';
import {
  runService,
  type Listenable,
  type ServiceProcess,
} from './run-service';

class FakeProcess extends EventEmitter implements ServiceProcess {
  exits: number[] = [];
  exit(code: number) {
    this.exits.push(code);
  }
}

function fakeApp(
  closeMs = 0,
): Listenable & { closed: boolean; listening: boolean } {
  return {
    closed: false,
    listening: false,
    async listen() {
      this.listening = true;
      return 'http://127.0.0.1:1234';
    },
    async close() {
      await new Promise((resolve) => setTimeout(resolve, closeMs));
      this.closed = true;
    },
  };
}

const settle = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runService', () => {
  beforeEach(() => jest.useRealTimers());

  function start(
    app: ReturnType<typeof fakeApp>,
    shutdownTimeoutMs = 1_000,
    shutdownDelayMs?: number,
  ) {
    const proc = new FakeProcess();
    const { logger, lines, flush } = createCapturedLogger('svc', 'info');
    const running = runService({
      build: async () => app,
      host: '127.0.0.1',
      port: 0,
      shutdownTimeoutMs,
      shutdownDelayMs,
      logger,
      process: proc,
    });
    return { proc, running, lines, flush };
  }

  it('when SIGTERM arrives with a shutdown delay, then the app keeps serving for the delay and is closed after it', async () => {
    const app = fakeApp(0);
    const { proc, running } = start(app, 1_000, 150);
    await running;

    proc.emit('SIGTERM', 'SIGTERM');
    await settle(80);
    expect(app.closed).toBe(false);
    expect(proc.exits).toEqual([]);

    await settle(150);
    expect(app.closed).toBe(true);
    expect(proc.exits).toEqual([0]);
  });

  it('when SIGTERM arrives with a shutdown delay, then the app starts draining at once, before it is closed', async () => {
    const base = fakeApp(0);
    let drainingAt: { closed: boolean } | undefined;
    const app = Object.assign(base, {
      startDraining() {
        drainingAt = { closed: base.closed };
      },
    });
    const { proc, running } = start(app, 1_000, 150);
    await running;

    proc.emit('SIGTERM', 'SIGTERM');

    expect(drainingAt).toEqual({ closed: false });
    await settle(200);
    expect(app.closed).toBe(true);
    expect(proc.exits).toEqual([0]);
  });

  it('when SIGTERM arrives, then the app is closed and the process exits 0', async () => {
    const app = fakeApp(20);
    const { proc, running } = start(app);
    await running;

    proc.emit('SIGTERM', 'SIGTERM');
    await settle(60);

    expect(app.listening).toBe(true);
    expect(app.closed).toBe(true);
    expect(proc.exits).toEqual([0]);
  });

  it('when afterClose is given, then it runs after the app closed and before the exit', async () => {
    const app = fakeApp();
    const proc = new FakeProcess();
    const { logger } = createCapturedLogger('svc', 'info');
    const seen: string[] = [];
    await runService({
      build: async () => app,
      host: '127.0.0.1',
      port: 0,
      shutdownTimeoutMs: 1_000,
      logger,
      process: proc,
      afterClose: async () => {
        seen.push(`afterClose closed=${app.closed} exits=${proc.exits.length}`);
      },
    });

    proc.emit('SIGTERM', 'SIGTERM');
    await settle(30);

    expect(seen).toEqual(['afterClose closed=true exits=0']);
    expect(proc.exits).toEqual([0]);
  });

  it('when closing takes longer than the bound, then the process exits 1', async () => {
    const app = fakeApp(500);
    const { proc, running, lines, flush } = start(app, 50);
    await running;

    proc.emit('SIGINT', 'SIGINT');
    await settle(120);
    await flush();

    expect(proc.exits).toEqual([1]);
    expect(
      lines().some((l) =>
        String(l['message']).includes('did not finish in time'),
      ),
    ).toBe(true);
  });

  it('when a second signal arrives during shutdown, then the process exits at once', async () => {
    const app = fakeApp(500);
    const { proc, running } = start(app);
    await running;

    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGTERM', 'SIGTERM');

    expect(proc.exits).toEqual([1]);
    expect(app.closed).toBe(false);
  });

  it('when an exception escapes, then it is logged as fatal and the app is closed with exit code 1', async () => {
    const app = fakeApp();
    const { proc, running, lines, flush } = start(app);
    await running;

    proc.emit('uncaughtException', new Error('bug'));
    await settle(20);
    await flush();

    expect(app.closed).toBe(true);
    expect(proc.exits).toEqual([1]);
    expect(lines().find((l) => l['log.level'] === 'fatal')).toMatchObject({
      'error.message': 'bug',
    });
  });

  it('when listening fails, then it is logged and the process exits 1', async () => {
    const app = fakeApp();
    app.listen = async () => {
      throw Object.assign(new Error('listen EADDRINUSE'), {
        code: 'EADDRINUSE',
      });
    };
    const { proc, running, lines, flush } = start(app);

    await expect(running).rejects.toThrow('EADDRINUSE');
    await settle(5);
    await flush();

    expect(proc.exits).toEqual([1]);
    expect(lines().find((l) => l['log.level'] === 'fatal')).toMatchObject({
      'error.code': 'EADDRINUSE',
    });
  });
});
