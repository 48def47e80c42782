import { randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { metricNamesIn, startPrometheus, type PrometheusProcess, type Sample } from '../../src';
import { allRules, listFiles, readText } from '../support';

/**
 * The RabbitMQ half of docker/prometheus/prometheus.yml, pointed at the
 * broker of tools/dev-services.sh, scraped by a real Prometheus; the alert
 * expressions are then evaluated against what it scraped.
 */
const TARGET = process.env['RABBITMQ_PROMETHEUS_TARGET'] ?? '127.0.0.1:15692';
const MANAGEMENT = process.env['RABBITMQ_MANAGEMENT_URL'] ?? 'http://guest:guest@127.0.0.1:15672';

interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  [key: string]: unknown;
}

function rabbitmqOnlyConfig(): string {
  const config = parse(readText('docker/prometheus/prometheus.yml')) as { scrape_configs: ScrapeJob[] };
  const jobs = config.scrape_configs
    .filter((job) => job.static_configs?.some((c) => c.targets.includes('rabbitmq:15692')))
    .map((job) => ({
      ...job,
      scrape_interval: '1s',
      static_configs: job.static_configs?.map((c) => ({ ...c, targets: [TARGET] })),
    }));
  return stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: jobs });
}

async function management(method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(MANAGEMENT);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  const response = await fetch(`${url.origin}/api${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return response;
}

const alertExpr = (name: string) => {
  const rule = allRules().find((r) => r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  return rule.expr;
};

async function eventually(prometheus: PrometheusProcess, expr: string, accept: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 45_000;
  let last: Sample[] = [];
  while (Date.now() < deadline) {
    last = await prometheus.samples(expr);
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return last;
}

describe('RabbitMQ scrape jobs and alerts against a real broker', () => {
  const id = randomUUID().slice(0, 8);
  const workQueue = `api.observability-check-${id}`;
  const parkingQueue = `${workQueue}.parking`;
  let prometheus: PrometheusProcess;

  beforeAll(async () => {
    for (const queue of [workQueue, parkingQueue]) {
      await management('PUT', `/queues/%2F/${encodeURIComponent(queue)}`, { durable: false, auto_delete: false });
    }
    for (let i = 0; i < 2; i += 1) {
      await management('POST', '/exchanges/%2F/amq.default/publish', {
        properties: { delivery_mode: 1 },
        routing_key: parkingQueue,
        payload: `parked ${i}`,
        payload_encoding: 'string',
      });
    }
    prometheus = await startPrometheus({ config: rabbitmqOnlyConfig() });
  });

  afterAll(async () => {
    await prometheus?.stop();
    for (const queue of [workQueue, parkingQueue]) {
      await management('DELETE', `/queues/%2F/${encodeURIComponent(queue)}`);
    }
  });

  it('when the broker is scraped with our jobs, then ParkingQueueNotEmpty finds the parked messages', async () => {
    const samples = await eventually(prometheus, alertExpr('ParkingQueueNotEmpty'), (s) =>
      s.some((x) => x.metric['queue'] === parkingQueue && x.value === 2),
    );
    expect(samples).toContainEqual({ metric: { vhost: '/', queue: parkingQueue }, value: 2 });
  });

  it('when a work queue has no consumer, then ConsumerGone finds it and not its parking queue', async () => {
    const samples = await eventually(prometheus, alertExpr('ConsumerGone'), (s) =>
      s.some((x) => x.metric['queue'] === workQueue),
    );
    const queues = samples.map((x) => x.metric['queue']);
    expect(queues).toContain(workQueue);
    expect(queues).not.toContain(parkingQueue);
  });

  it('when the broker is scraped, then every rabbitmq_* metric the rules and dashboards use is really exposed', async () => {
    // Both jobs scraped at least once (discovery hands targets over after ~5 s).
    await eventually(prometheus, 'count by (job) (rabbitmq_build_info)', (s) => s.length === 2);
    const dashboards = listFiles('docker/grafana/dashboards', '.json').map((f) => readText('docker/grafana/dashboards', f));
    const used = new Set([
      ...allRules().flatMap((rule) => metricNamesIn(rule.expr)),
      ...dashboards.flatMap((text) =>
        [...text.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].flatMap((m) => metricNamesIn(JSON.parse(`"${m[1]}"`) as string)),
      ),
    ]);
    const rabbitmqNames = [...used].filter((name) => name.startsWith('rabbitmq_')).sort();
    expect(rabbitmqNames.length).toBeGreaterThan(10);

    const missing: string[] = [];
    for (const name of rabbitmqNames) {
      const found = await prometheus.samples(`count({__name__="${name}"})`);
      if (found.length === 0) missing.push(name);
    }
    expect(missing).toEqual([]);
  });
});
