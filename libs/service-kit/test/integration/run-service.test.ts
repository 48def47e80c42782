import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Graceful shutdown, proven on a real process with real signals: the fixture
 * is bundled with esbuild (workspace sources in, npm packages external), as
 * the services' own build does.
 */
let outDir: string;
let bundle: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'run-service-'));
  bundle = join(outDir, 'slow-service.cjs');
  await build({
    entryPoints: [join(__dirname, '../fixtures/slow-service.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@flotilla/')
              ? undefined
              : { path: args.path, external: true },
          );
        },
      },
    ],
    nodePaths: [join(__dirname, '../../../../node_modules')],
  });
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; atMs: number }>;
}

async function startService(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_PATH: join(__dirname, '../../../../node_modules'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = Date.now();
  const exited = new Promise<{ code: number | null; atMs: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, atMs: Date.now() - started })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line['message'] === 'listening') resolve(String(line['url.full']));
      }
    });
    void exited.then(({ code }) =>
      reject(new Error(`service exited (${code}) before listening: ${stderr}`)),
    );
  });
  return { child, url, lines, exited };
}

const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runService in a real process', () => {
  it('when SIGTERM arrives during a request, then the request completes, resources close and the exit code is 0', async () => {
    const service = await startService({
      CLOSE_DELAY_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });

    const inFlight = fetch(`${service.url}/slow?ms=400`);
    await until(100);
    service.child.kill('SIGTERM');
    const response = await inFlight;
    const { code } = await service.exited;

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ waited: 400 });
    expect(code).toBe(0);
    const messages = service.lines.map((l) => l['message']);
    expect(messages).toEqual(
      expect.arrayContaining(['shutting down', 'resources closed', 'stopped']),
    );
  });

  it('when SIGTERM arrives with SHUTDOWN_DELAY_MS, then for the delay /readyz is 503 and answers close their connection, then the server closes and exits 0', async () => {
    const service = await startService({
      SHUTDOWN_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    const before = await fetch(`${service.url}/readyz`);
    expect(before.status).toBe(200);
    expect(before.headers.get('connection')).not.toBe('close');

    const sentAt = Date.now();
    service.child.kill('SIGTERM');
    await until(200);
    const readyz = await fetch(`${service.url}/readyz`);
    const served = await fetch(`${service.url}/slow?ms=0`);
    const answeredAt = Date.now() - sentAt;
    const { code } = await service.exited;
    const exitedAfter = Date.now() - sentAt;

    // Both answered within the delay, on a server that was still serving.
    expect(answeredAt).toBeLessThan(1500);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({
      status: 'unavailable',
      checks: { shutdown: 'draining' },
    });
    expect(readyz.headers.get('connection')).toBe('close');
    expect(served.status).toBe(200);
    expect(served.headers.get('connection')).toBe('close');
    expect(code).toBe(0);
    expect(exitedAfter).toBeGreaterThanOrEqual(1500);
    expect(service.lines.map((l) => l['message'])).toContain('stopped');
  });

  it('when shutdown has begun, then new connections are refused', async () => {
    const service = await startService({
      CLOSE_DELAY_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });

    service.child.kill('SIGTERM');
    await until(200);
    const late = await fetch(`${service.url}/slow?ms=0`).then(
      (r) => r.status,
      () => 'refused',
    );
    await service.exited;

    expect(late === 'refused' || late === 503).toBe(true);
  });

  it('when closing outlasts SHUTDOWN_TIMEOUT_MS, then the process exits 1 at the bound', async () => {
    const service = await startService({
      CLOSE_DELAY_MS: '10000',
      SHUTDOWN_TIMEOUT_MS: '300',
    });

    const sentAt = Date.now();
    service.child.kill('SIGTERM');
    const { code } = await service.exited;

    expect(code).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(service.lines.map((l) => l['message'])).toContain(
      'shutdown did not finish in time; exiting',
    );
  });

  it('when a second signal arrives, then the process exits at once without waiting for close', async () => {
    const service = await startService({
      CLOSE_DELAY_MS: '10000',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });

    service.child.kill('SIGTERM');
    await until(100);
    const sentAt = Date.now();
    service.child.kill('SIGINT');
    const { code } = await service.exited;

    expect(code).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(service.lines.map((l) => l['message'])).not.toContain(
      'resources closed',
    );
  });
});
