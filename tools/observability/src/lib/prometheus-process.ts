import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface QueryResult {
  ok: boolean;
  /** Prometheus's errorType and error for a rejected query. */
  error?: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusProcess {
  url: string;
  /** Evaluates an instant query; a PromQL syntax error comes back as !ok. */
  query(expr: string): Promise<QueryResult>;
  /** Evaluates an instant query now and returns its vector (throws on an error). */
  samples(expr: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  binary?: string;
  /** prometheus.yml text; by default no scrape targets at all. */
  config?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real Prometheus with an empty TSDB and no scrape targets, on a free port
 * of 127.0.0.1: the parser and evaluator of the version we deploy, used to
 * check expressions that promtool cannot (Grafana panels).
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusProcess> {
  const binary = options.binary ?? process.env['PROMETHEUS_BIN'] ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, options.config ?? 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (failed) {
      await stop();
      throw new Error(`cannot start ${binary}: ${failed.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${binary} exited with ${child.exitCode}: ${output}`);
    }
    try {
      const ready = await fetch(`${url}/-/ready`);
      if (ready.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} was not ready within 15 s: ${output}`);
    }
  }

  return {
    url,
    stop,
    async query(expr: string): Promise<QueryResult> {
      const response = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr, time: '1700000000' }).toString(),
      });
      const body = (await response.json()) as { status?: string; errorType?: string; error?: string };
      if (response.ok && body.status === 'success') return { ok: true };
      return { ok: false, error: `${body.errorType ?? response.status}: ${body.error ?? ''}` };
    },
    async samples(expr: string): Promise<Sample[]> {
      const response = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }).toString(),
      });
      const body = (await response.json()) as {
        status?: string;
        error?: string;
        data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success' || body.data?.resultType !== 'vector') {
        throw new Error(`query ${expr} failed: ${body.error ?? JSON.stringify(body.data?.resultType)}`);
      }
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
