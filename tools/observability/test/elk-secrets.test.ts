import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { readText, repoPath } from './support';

/*
 * Issue 14, finding 1: Elasticsearch refused its password file. The official
 * Elastic images' entrypoints (and every elasticsearch-* tool, which sources
 * bin/elasticsearch-env-from-file) exit when a *_FILE variable names a file
 * whose mode is not 400 or 600; tools/gen-secrets.sh writes 0644 (the
 * services run as different uids and compose bind-mounts the host's mode).
 * So no *_FILE variable may reach an Elastic image's own entrypoint: each
 * goes through docker/elk/file-env.sh, which reads it and unsets it.
 */
const exec = promisify(execFile);

interface Service {
  image?: string;
  entrypoint?: string[];
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
}
type Compose = { services: Record<string, Service> };

/** Why a service would hand a *_FILE secret to an Elastic entrypoint ([] when it does not). */
export function elasticFileSecretProblems(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (!/docker\.elastic\.co\/|ELASTICSEARCH_IMAGE|KIBANA_IMAGE|LOGSTASH_IMAGE|FILEBEAT_IMAGE/.test(service.image ?? '')) continue;
    const fileVars = Object.keys(service.environment ?? {}).filter((key) => key.endsWith('_FILE'));
    if (fileVars.length === 0) continue;
    const program = [service.command ?? []].flat()[0] ?? '';
    // A plain script on the image (elk-setup: `bash /setup/setup.sh …`) is exec'd by the
    // entrypoint before its _FILE handling; it must not call the elasticsearch-* tools.
    if (!service.entrypoint && program !== '' && !/(^|\/)(eswrapper|elasticsearch|tini|docker-entrypoint(\.sh)?|kibana(-docker)?|logstash|filebeat)$/.test(program)) continue;
    const wrapped = service.entrypoint?.join(' ').includes('/usr/local/bin/file-env.sh') &&
      (service.volumes ?? []).some((v) => v.startsWith('./docker/elk/file-env.sh:/usr/local/bin/file-env.sh'));
    const listed = (service.environment?.['FILE_ENV_VARS'] ?? '').split(/\s+/).filter(Boolean);
    for (const key of fileVars) {
      if (!wrapped) problems.push(`${name}: ${key} reaches the image's entrypoint (no file-env.sh)`);
      else if (!listed.includes(key.replace(/_FILE$/, ''))) problems.push(`${name}: ${key} is not in FILE_ENV_VARS`);
    }
  }
  return problems;
}

const compose = parse(readText('docker-compose.yml'), { merge: true }) as Compose;

describe('Elastic images and file secrets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-elk-secrets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when gen-secrets writes the secrets, then they are 0644 (which the Elastic entrypoints refuse)', async () => {
    await exec('bash', [repoPath('tools/gen-secrets.sh')], { env: { ...process.env, SECRETS_DIR: join(dir, 'secrets') } });
    expect((statSync(join(dir, 'secrets', 'elastic_password')).mode & 0o777).toString(8)).toBe('644');
  });

  it('when docker-compose.yml is read, then no *_FILE secret reaches an Elastic image entrypoint', () => {
    expect(elasticFileSecretProblems(compose)).toEqual([]);
    expect(compose.services['elasticsearch']?.environment?.['FILE_ENV_VARS']).toBe('ELASTIC_PASSWORD');
  });

  it('when the old Elasticsearch service (ELASTIC_PASSWORD_FILE straight to the image) is read, then the check reports it', () => {
    const old: Compose = {
      services: {
        elasticsearch: {
          image: '${ELASTICSEARCH_IMAGE:-docker.elastic.co/elasticsearch/elasticsearch:8.15.3}',
          environment: { ELASTIC_PASSWORD_FILE: '/run/secrets/elastic_password' },
        },
      },
    };
    expect(elasticFileSecretProblems(old)).toEqual(["elasticsearch: ELASTIC_PASSWORD_FILE reaches the image's entrypoint (no file-env.sh)"]);
    const unlisted = structuredClone(compose);
    (unlisted.services['kibana']?.environment ?? {})['FILE_ENV_VARS'] = 'KIBANA_SYSTEM_PASSWORD';
    expect(elasticFileSecretProblems(unlisted)).toEqual(['kibana: KIBANA_ENCRYPTION_KEY_FILE is not in FILE_ENV_VARS']);
  });

  it('when elk-setup runs its script on the Elasticsearch image, then the script calls no elasticsearch-* tool', () => {
    expect(readText('docker/elk/setup/setup.sh')).not.toMatch(/elasticsearch-(keystore|users|certutil|setup-passwords|reset-password)/);
  });

  it('when file-env.sh runs with a 0644 secret, then the entrypoint sees the value and no *_FILE variable', async () => {
    const secret = join(dir, 'elastic_password');
    writeFileSync(secret, 'correct-horse-battery\n', { mode: 0o644 });
    const { stdout } = await exec('/bin/sh', [repoPath('docker/elk/file-env.sh'), '/usr/bin/env'], {
      env: { PATH: process.env['PATH'] ?? '', FILE_ENV_VARS: 'ELASTIC_PASSWORD', ELASTIC_PASSWORD_FILE: secret },
    });
    const env = stdout.split('\n');
    expect(env).toContain('ELASTIC_PASSWORD=correct-horse-battery');
    expect(env.filter((line) => /^[A-Z_]+_FILE=/.test(line))).toEqual([]);
  });
});
