import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readJson, readText, repoPath } from './support';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}
const compose = parse(readText('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
/** Every service NAME waits for, directly or through others. */
function dependenciesOf(name: string, services: Record<string, ComposeService>, seen = new Set<string>()): Set<string> {
  for (const dep of Object.keys(services[name]?.depends_on ?? {})) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependenciesOf(dep, services, seen);
    }
  }
  return seen;
}

interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  xsrf?: string;
  contentType?: string;
  body: string;
}

/** A stand-in for the Elasticsearch and Kibana HTTP APIs that records every call. */
async function fakeElastic(respond: (req: Recorded, seen: Recorded[]) => [number, unknown]) {
  const seen: Recorded[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        xsrf: req.headers['kbn-xsrf'] as string | undefined,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const [status, body] = respond(recorded, seen);
      seen.push(recorded);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const healthy = (req: Recorded, seen: Recorded[]): [number, unknown] => {
  // The first health check finds Elasticsearch still starting.
  if (req.url.startsWith('/_cluster/health') && !seen.some((r) => r.url.startsWith('/_cluster/health'))) return [503, {}];
  if (req.url.startsWith('/api/saved_objects/_import')) return [200, { success: true, successCount: 10 }];
  return [200, { acknowledged: true }];
};

function runSetup(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [repoPath('docker/elk/setup/setup.sh'), ...args],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SETUP_POLL_SECONDS: '0.1', SETUP_WAIT_SECONDS: '20', ...env } },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('ELK setup job (setup.sh)', () => {
  let dir: string;
  const secrets = {
    ELASTIC_PASSWORD: 'elastic-secret-value-1',
    KIBANA_SYSTEM_PASSWORD: 'kibana-system-secret-2',
    LOGSTASH_WRITER_PASSWORD: 'logstash-"quoted"\\secret-3',
    GRAFANA_READER_PASSWORD: 'grafana-reader-secret-4',
  };
  const secretEnv = () =>
    Object.fromEntries(
      Object.entries(secrets).map(([name, value]) => {
        const file = join(dir, name.toLowerCase());
        writeFileSync(file, `${value}\n`);
        return [`${name}_FILE`, file];
      }),
    );

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-elk-setup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when Elasticsearch and Kibana answer, then users, roles, ILM, template and saved objects are created as elastic', async () => {
    const es = await fakeElastic(healthy);
    const kibana = await fakeElastic(healthy);
    try {
      const result = await runSetup({ ELASTICSEARCH_URL: es.url, KIBANA_URL: kibana.url, ...secretEnv() });

      expect(result).toMatchObject({ code: 0 });
      const basic = `Basic ${Buffer.from(`elastic:${secrets.ELASTIC_PASSWORD}`).toString('base64')}`;
      expect([...es.seen, ...kibana.seen].every((r) => r.authorization === basic)).toBe(true);
      const call = (method: string, url: string) => es.seen.find((r) => r.method === method && r.url === url);
      expect(JSON.parse(call('POST', '/_security/user/kibana_system/_password')?.body ?? '{}')).toEqual({
        password: secrets.KIBANA_SYSTEM_PASSWORD,
      });
      expect(JSON.parse(call('PUT', '/_security/user/logstash_writer')?.body ?? '{}')).toMatchObject({
        password: secrets.LOGSTASH_WRITER_PASSWORD,
        roles: ['logstash_writer'],
      });
      expect(JSON.parse(call('PUT', '/_security/user/grafana_reader')?.body ?? '{}')).toMatchObject({
        password: secrets.GRAFANA_READER_PASSWORD,
        roles: ['flotilla_logs_reader'],
      });
      expect(JSON.parse(call('PUT', '/_security/role/logstash_writer')?.body ?? '{}')).toEqual(
        readJson('docker/elk/setup/roles/logstash_writer.json'),
      );
      expect(JSON.parse(call('PUT', '/_ilm/policy/flotilla-logs')?.body ?? '{}')).toEqual(readJson('docker/elk/setup/ilm-policy.json'));
      expect(JSON.parse(call('PUT', '/_index_template/logs-flotilla')?.body ?? '{}')).toEqual(
        readJson('docker/elk/setup/index-template.json'),
      );
      const upload = kibana.seen.find((r) => r.url === '/api/saved_objects/_import?overwrite=true');
      expect(upload?.xsrf).toBeTruthy();
      expect(upload?.contentType).toMatch(/^multipart\/form-data/);
      expect(upload?.body).toContain(readText('docker/elk/setup/kibana/saved-objects.ndjson').trim());
      // Users are created only after their roles exist.
      const order = es.seen.map((r) => r.url);
      expect(order.indexOf('/_security/role/logstash_writer')).toBeLessThan(order.indexOf('/_security/user/logstash_writer'));
    } finally {
      await es.close();
      await kibana.close();
    }
  });

  it('when a secret is too short, then setup fails before touching Elasticsearch', async () => {
    const es = await fakeElastic(healthy);
    try {
      const env = secretEnv();
      writeFileSync(env['GRAFANA_READER_PASSWORD_FILE'] as string, 'short\n');
      const result = await runSetup({ ELASTICSEARCH_URL: es.url, KIBANA_URL: es.url, ...env });

      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('shorter than 12 characters');
      expect(es.seen).toEqual([]);
    } finally {
      await es.close();
    }
  });

  it('when Elasticsearch rejects the index template, then setup fails with its answer and imports nothing', async () => {
    const es = await fakeElastic((req, seen) =>
      req.url === '/_index_template/logs-flotilla' ? [400, { error: 'mapper_parsing_exception' }] : healthy(req, seen),
    );
    try {
      const result = await runSetup({ ELASTICSEARCH_URL: es.url, KIBANA_URL: es.url, ...secretEnv() });

      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('HTTP 400');
      expect(result.stderr).toContain('mapper_parsing_exception');
      expect(es.seen.some((r) => r.url.startsWith('/api/saved_objects'))).toBe(false);
    } finally {
      await es.close();
    }
  });

  // Finding 6: a slow Kibana must not stop the logs.
  it('when Kibana never answers, then the job Logstash waits for (elk-setup, as composed) still succeeds', async () => {
    const es = await fakeElastic(healthy);
    try {
      const job = compose.services['elk-setup'] as ComposeService;
      const args = (job.command ?? []).slice(2);
      const env = { ...secretEnv(), ELASTICSEARCH_URL: es.url, SETUP_WAIT_SECONDS: '1' };
      // Whatever KIBANA_URL the job would see points at a port nothing listens on.
      const result = await runSetup({ ...env, KIBANA_URL: 'http://127.0.0.1:9' }, args);

      expect(result).toMatchObject({ code: 0 });
      expect(job.environment?.['KIBANA_URL']).toBeUndefined();
      expect(es.seen.some((r) => r.url === '/_index_template/logs-flotilla')).toBe(true);
    } finally {
      await es.close();
    }
  });

  it('when the old elk-setup command (both parts) meets a Kibana that never answers, then it fails', async () => {
    const es = await fakeElastic(healthy);
    try {
      const result = await runSetup({ ...secretEnv(), ELASTICSEARCH_URL: es.url, KIBANA_URL: 'http://127.0.0.1:9', SETUP_WAIT_SECONDS: '1' });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Kibana did not answer');
    } finally {
      await es.close();
    }
  });

  it('when the stack is composed, then nothing on the log path waits for Kibana or its import job', () => {
    for (const shipper of ['logstash', 'filebeat']) {
      const deps = dependenciesOf(shipper, compose.services);
      expect(deps.has('elk-setup') || shipper === 'filebeat').toBe(true);
      expect([...deps].filter((d) => d === 'kibana' || d === 'kibana-setup')).toEqual([]);
    }
    const importer = compose.services['kibana-setup'] as ComposeService;
    expect(importer.command?.slice(2)).toEqual(['kibana']);
    expect(Object.keys(importer.depends_on ?? {})).toEqual(['kibana']);
  });

  it('when only the Kibana part runs, then it needs only the elastic password and imports the objects', async () => {
    const kibana = await fakeElastic(healthy);
    try {
      const file = join(dir, 'elastic');
      writeFileSync(file, `${secrets.ELASTIC_PASSWORD}\n`);
      const result = await runSetup({ ELASTIC_PASSWORD_FILE: file, KIBANA_URL: kibana.url }, ['kibana']);
      expect(result).toMatchObject({ code: 0 });
      expect(kibana.seen.map((r) => r.url)).toContain('/api/saved_objects/_import?overwrite=true');
      expect(kibana.seen.some((r) => r.url.startsWith('/_security'))).toBe(false);
    } finally {
      await kibana.close();
    }
  });

  it('when setup runs, then no password is passed on a command line', () => {
    const script = readFileSync(repoPath('docker/elk/setup/setup.sh'), 'utf8');
    expect(script).not.toMatch(/curl[^\n]*-u\b/);
    expect(script).toContain('--netrc-file');
  });
});
