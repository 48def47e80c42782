import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { readText, repoPath } from './support';

/*
 * tools/stack/observability-check.sh runs only where the official images can
 * be pulled (the GitHub Actions job `observability`). Its verdicts
 * (tools/stack/observability-verdicts.mjs) run here on recorded answers of
 * the APIs it asks, in the shapes those APIs answer: Elasticsearch _search,
 * Jaeger's query API (GET /api/traces/ID), Grafana's dashboard and datasource
 * APIs, Prometheus's instant query.
 */
const exec = promisify(execFile);
const answers = 'tools/observability/test/fixtures/observability-answers';
const verdict = (args: string[], body: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    const child = execFile('node', [repoPath('tools/stack/observability-verdicts.mjs'), ...args], (error, stdout) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout.trim() }),
    );
    child.stdin?.end(body);
  });
const answer = (name: string) => readText(answers, name);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('tools/stack/observability-verdicts.mjs', () => {
  it('when Elasticsearch finds documents, then hits prints the count and says yes; an error or no body says no', async () => {
    expect(await verdict(['hits'], answer('elasticsearch-search.json'))).toEqual({ code: 0, out: '2' });
    expect(await verdict(['hits'], answer('elasticsearch-error.json'))).toEqual({ code: 1, out: '-1' });
    expect(await verdict(['hits'], '<html>502 Bad Gateway</html>')).toEqual({ code: 1, out: '-1' });
  });

  it("when Jaeger returns the trace with the api's span, then trace says yes and names the services", async () => {
    expect(await verdict(['trace', TRACE, 'api'], answer('jaeger-trace.json'))).toEqual({ code: 0, out: 'api' });
  });

  it('when the trace is missing, is another trace, or lacks a wanted service, then trace says no', async () => {
    expect((await verdict(['trace', TRACE, 'api'], answer('jaeger-not-found.json'))).code).toBe(1);
    expect((await verdict(['trace', '0af7651916cd43dd8448eb211c80319c', 'api'], answer('jaeger-trace.json'))).code).toBe(1);
    expect(await verdict(['trace', TRACE, 'api', 'auth'], answer('jaeger-trace.json'))).toEqual({ code: 1, out: 'api' });
  });

  it('when Grafana serves the dashboard asked for, then dashboard says yes; another uid or a 404 body says no', async () => {
    expect(await verdict(['dashboard', 'flotilla-red'], answer('grafana-dashboard.json'))).toEqual({ code: 0, out: '1 panels' });
    expect((await verdict(['dashboard', 'flotilla-ledger'], answer('grafana-dashboard.json'))).code).toBe(1);
    expect((await verdict(['dashboard', 'flotilla-red'], answer('grafana-not-found.json'))).code).toBe(1);
  });

  it('when a datasource health check answers OK, then datasource says yes; an error says no', async () => {
    expect((await verdict(['datasource'], '{"status":"OK","message":"Data source is working"}')).code).toBe(0);
    expect(await verdict(['datasource'], '{"status":"ERROR","message":"Bad Gateway"}')).toEqual({ code: 1, out: 'ERROR' });
  });

  it('when a named job has a target down or no target at all, then up says no, and yes when all are up', async () => {
    expect(await verdict(['up', 'logstash', 'filebeat'], answer('prometheus-up.json'))).toEqual({ code: 1, out: 'logstash 1/1 up, filebeat 0/1 up' });
    expect(await verdict(['up', 'logstash'], answer('prometheus-up.json'))).toEqual({ code: 0, out: 'logstash 1/1 up' });
    expect((await verdict(['up', 'node'], answer('prometheus-up.json'))).code).toBe(1);
  });

  it('when the check sends its request, then the gateway keeps its traceparent and so logs the trace id the check looks for', () => {
    const nginx = readText('docker/nginx/nginx.conf');
    const script = readText('tools/stack/observability-check.sh');
    // The map that keeps a well-formed incoming traceparent (nginx uses PCRE; this one is valid JS too).
    const kept = new RegExp(/map \$http_traceparent \$traceparent \{\s*"~([^"]+)"/.exec(nginx)?.[1] ?? '^$');
    const seed = new RegExp(/map \$req_id \$trace_seed \{\s*"~([^"]+)"/.exec(nginx)?.[1] ?? '^$');

    expect(script).toContain('-H "traceparent: 00-$trace_id-$(hex 8)-01"');
    expect(script).toContain('trace_id=$(hex 16)');
    expect(kept.test(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(true);
    // The free-text request id is not a trace id: searching trace.id for it (the old check) finds nothing.
    expect(seed.test('obs-check-1764680000-4242')).toBe(false);
  });

  it('when the script and its verdicts are checked, then bash and node parse them', async () => {
    await expect(exec('bash', ['-n', repoPath('tools/stack/observability-check.sh')])).resolves.toBeDefined();
    await expect(exec('node', ['--check', repoPath('tools/stack/observability-verdicts.mjs')])).resolves.toBeDefined();
    expect(readdirSync(repoPath(answers)).length).toBeGreaterThanOrEqual(7);
  });
});
