import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { listFiles, readText, repoPath } from './support';

/*
 * Finding 9: the Kibana and Grafana URLs were hard-coded to localhost:5601 /
 * :3300 in datasources, dashboard links and kibana.yml, so changing
 * KIBANA_PORT or GRAFANA_PORT broke every link. They now come from
 * KIBANA_PUBLIC_URL / GRAFANA_PUBLIC_URL, which default to the ports.
 */
const exec = promisify(execFile);
const CONFIG_DIRS = ['docker/grafana', 'docker/elk/kibana'];
const HARD_CODED = /(localhost|127\.0\.0\.1):(5601|3300)\b/;

function filesUnder(dir: string): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  );
}
/** Every http(s) URL or placeholder URL pointing at Kibana's app in a text. */
const kibanaLinks = (text: string) => [...text.matchAll(/"([^"\s]*\/app\/discover[^"\s]*)"/g)].map((m) => m[1] as string);

export function hardCodedUrls(files: { name: string; text: string }[]): string[] {
  return files.flatMap(({ name, text }) =>
    text.split('\n').flatMap((line, i) => (HARD_CODED.test(line) ? [`${name}:${i + 1}: ${line.trim().slice(0, 100)}`] : [])),
  );
}

describe('Kibana and Grafana public URLs', () => {
  const files = CONFIG_DIRS.flatMap(filesUnder).map((name) => ({ name, text: readText(name) }));
  const compose = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };

  it('when the Grafana and Kibana config is read, then no URL names localhost:5601 or :3300', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(hardCodedUrls(files)).toEqual([]);
  });

  it('when the old files (hard-coded URLs) are checked, then the check fails', () => {
    expect(hardCodedUrls([{ name: 'kibana.yml', text: 'server.publicBaseUrl: http://localhost:5601\n' }])).toHaveLength(1);
    expect(hardCodedUrls([{ name: 'grafana.ini', text: '[server]\nroot_url = http://localhost:3300/\n' }])).toHaveLength(1);
  });

  it('when compose starts Grafana and Kibana, then their public URLs default to the published ports', () => {
    expect(compose.services['grafana']?.environment).toMatchObject({
      GF_SERVER_ROOT_URL: '${GRAFANA_PUBLIC_URL:-http://localhost:${GRAFANA_PORT:-3300}}/',
      KIBANA_PUBLIC_URL: '${KIBANA_PUBLIC_URL:-http://localhost:${KIBANA_PORT:-5601}}',
    });
    expect(compose.services['kibana']?.environment?.['KIBANA_PUBLIC_URL']).toBe('${KIBANA_PUBLIC_URL:-http://localhost:${KIBANA_PORT:-5601}}');
    expect(readText('docker/elk/kibana/kibana.yml')).toContain('server.publicBaseUrl: ${KIBANA_PUBLIC_URL}');
  });

  it('when the datasources and dashboards link to Kibana, then every link starts with the configured URL', () => {
    const datasourceLinks = kibanaLinks(readText('docker/grafana/provisioning/datasources/datasources.yml'));
    expect(datasourceLinks.length).toBeGreaterThan(0);
    expect(datasourceLinks.filter((url) => !url.startsWith('${KIBANA_PUBLIC_URL}/app/'))).toEqual([]);
    const dashboardLinks = listFiles('docker/grafana/dashboards', '.json').flatMap((f) => kibanaLinks(readText('docker/grafana/dashboards', f)));
    expect(dashboardLinks.length).toBeGreaterThan(10);
    expect(dashboardLinks.filter((url) => !url.startsWith('__KIBANA_PUBLIC_URL__/app/'))).toEqual([]);
  });

  describe('render-dashboards.sh', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'flotilla-dashboards-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const render = (url: string) =>
      exec('/bin/sh', [repoPath('docker/grafana/render-dashboards.sh'), '/bin/echo', 'exec-ok'], {
        env: { PATH: process.env['PATH'] ?? '', KIBANA_PUBLIC_URL: url, DASHBOARD_SOURCE: repoPath('docker/grafana/dashboards'), DASHBOARD_DIR: dir },
      }).then(
        ({ stdout }) => ({ code: 0, out: stdout }),
        (e: { code: number; stderr: string }) => ({ code: e.code, out: e.stderr }),
      );

    it('when Grafana starts, then each dashboard is written with the Kibana URL and stays valid JSON', async () => {
      expect(await render('https://kibana.example.com:8443')).toEqual({ code: 0, out: 'exec-ok\n' });
      const written = readdirSync(dir).sort();
      expect(written).toEqual(listFiles('docker/grafana/dashboards', '.json'));
      for (const file of written) {
        const text = readFileSync(join(dir, file), 'utf8');
        expect(() => JSON.parse(text)).not.toThrow();
        expect(text).not.toContain('__KIBANA_PUBLIC_URL__');
      }
      expect(readFileSync(join(dir, 'flotilla-red.json'), 'utf8')).toContain('"https://kibana.example.com:8443/app/discover#/');
    });

    it('when the URL is missing or could break the JSON, then Grafana does not start', async () => {
      for (const bad of ['', 'kibana:5601', 'http://x/"y', 'http://x/']) {
        const result = await render(bad);
        expect({ bad, code: result.code }).toEqual({ bad, code: 1 });
      }
    });
  });
});
