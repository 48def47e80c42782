import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCapturedLogger } from '@flotilla/logging/testing';
import { createServer, type KitInstance } from '../../src/lib/create-server';

/**
 * The /metrics output read by Prometheus's own parsers: promtool for the text
 * format, and a real Prometheus (Debian `prometheus`, as in CI) scraping the
 * service with exemplar storage on, to show the request id arrives as an exemplar.
 */
const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const PROMETHEUS = process.env['PROMETHEUS'] ?? 'prometheus';
const REQUEST_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

// prom-client's default gauges named *_total trip promlint's naming rule; they are not ours to rename.
const PROM_CLIENT_LINT =
  /^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/;

let app: KitInstance;
let baseUrl: string;
let workDir: string;
let prometheus: ChildProcess | undefined;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'metrics-exposition-'));
  app = createServer({
    serviceName: 'kit-test',
    config: {
      LOG_LEVEL: 'info',
      BODY_LIMIT: 1024,
      REQUEST_TIMEOUT_MS: 30_000,
      KEEP_ALIVE_TIMEOUT_MS: 72_000,
      HEALTH_CHECK_TIMEOUT_MS: 100,
      TRUST_PROXY: 'false',
    },
    logger: createCapturedLogger('kit-test', 'info').logger,
  });
  app.get('/transfers/:id', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const response = await fetch(`${baseUrl}/transfers/7`, {
    headers: { 'x-request-id': REQUEST_ID },
  });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await app.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/metrics read by Prometheus tooling', () => {
  it('when a plain client scrapes, then promtool check metrics finds nothing wrong with our metrics', async () => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();

    const result = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
    });

    expect(result.error).toBeUndefined();
    const problems = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !PROM_CLIENT_LINT.test(line));
    expect(problems).toEqual([]);
    expect(text).toContain('http_server_request_duration_seconds_bucket');
  });

  it('when Prometheus scrapes with exemplar storage, then it stores the request id as an exemplar of the latency histogram', async () => {
    const port = await freePort();
    const target = new URL(baseUrl).host;
    writeFileSync(
      join(workDir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kit\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
      ],
      { stdio: 'ignore' },
    );
    const api = `http://127.0.0.1:${port}/api/v1`;

    let exemplars: {
      seriesLabels: Record<string, string>;
      exemplars: { labels: Record<string, string> }[];
    }[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const now = Date.now() / 1000;
      const query = new URLSearchParams({
        query: 'http_server_request_duration_seconds_bucket',
        start: String(now - 300),
        end: String(now + 60),
      });
      const body = await fetch(`${api}/query_exemplars?${query}`)
        .then((r) => r.json() as Promise<{ data?: typeof exemplars }>)
        .catch(() => ({ data: [] }));
      exemplars = body.data ?? [];
      if (exemplars.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const forRoute = exemplars.filter(
      (series) => series.seriesLabels['route'] === '/transfers/:id',
    );
    expect(
      forRoute.flatMap((series) =>
        series.exemplars.map((e) => e.labels['trace_id']),
      ),
    ).toContain(REQUEST_ID);
    const targets = (await fetch(`${api}/targets`).then((r) => r.json())) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets[0]).toMatchObject({
      health: 'up',
      lastError: '',
    });
  }, 30_000);
});
