import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readText, readYaml, repoPath } from './support';

/*
 * docker/alertmanager/alertmanager.yml checked by the real amtool (Debian
 * prometheus-alertmanager, the same 0.25 as the offline stand-in image), and
 * the CI timing copy of tools/stack/fast-alerting.sh by amtool and promtool.
 */
const exec = promisify(execFile);
const run = (cmd: string, args: string[]) =>
  exec(cmd, args, { cwd: repoPath() }).then(
    ({ stdout, stderr }) => ({ code: 0, out: `${stdout}${stderr}` }),
    (error: { code?: number | string; stdout?: string; stderr?: string; message: string }) => {
      if (error.code === 'ENOENT') throw new Error(`${cmd} is not installed (Debian: prometheus-alertmanager / prometheus)`);
      return { code: Number(error.code ?? 1), out: `${error.stdout ?? ''}${error.stderr ?? ''}` };
    },
  );
const CONFIG = 'docker/alertmanager/alertmanager.yml';

interface AlertmanagerConfig {
  global: Record<string, unknown>;
  route: { receiver: string };
  receivers: { name: string; email_configs?: { to: string; send_resolved: boolean; headers: Record<string, string> }[] }[];
}

describe('Alertmanager', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-alertmanager-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when amtool checks the config, then it is valid', async () => {
    const result = await run('amtool', ['check-config', CONFIG]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('SUCCESS');
  });

  it('when a critical api alert is routed, then it reaches the mail receiver', async () => {
    const result = await run('amtool', ['config', 'routes', 'test', `--config.file=${CONFIG}`, 'alertname=ServiceHasNoTargets', 'severity=critical', 'service=api']);
    expect(result.out.trim().split('\n')[0]).toBe('oncall-mail');
  });

  it('when alerts fire, then they are mailed through the mail catcher, resolutions too', () => {
    const config = readYaml<AlertmanagerConfig>(CONFIG);
    expect(config.global).toMatchObject({ smtp_smarthost: 'mailcatcher:1025', smtp_require_tls: false });
    const mail = config.receivers.find((r) => r.name === config.route.receiver)?.email_configs?.[0];
    expect(mail).toMatchObject({ to: 'oncall@flotilla.invalid', send_resolved: true });
    expect(mail?.headers['Subject']).toMatch(/^\[\{\{ \.Status \| toUpper \}\}\] \{\{ \.CommonLabels\.alertname \}\} \{\{ \.CommonLabels\.service \}\}/);
  });

  it('when the commented webhook example is uncommented, then amtool accepts it', async () => {
    const text = readText(CONFIG);
    const example = text
      .split('\n')
      .filter((line) => /^ {4}# {3}/.test(line))
      .map((line) => line.replace(/^( {4})# {3}/, '$1'))
      .join('\n');
    expect(example).toContain('webhook_configs:');
    const file = join(dir, 'webhook.yml');
    writeFileSync(file, text.replace(/( {4}email_configs:)/, `${example}\n$1`));
    expect(await run('amtool', ['check-config', file])).toMatchObject({ code: 0 });
  });

  it('when a route names a receiver that does not exist, then amtool rejects the config', async () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, readText(CONFIG).replace('receiver: oncall-mail', 'receiver: nobody'));
    const result = await run('amtool', ['check-config', file]);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('undefined receiver "nobody"');
  });

  it('when the CI timing copy is written, then amtool and promtool accept it and only timings changed', async () => {
    const out = join(dir, 'fast');
    expect(await run('bash', ['tools/stack/fast-alerting.sh', out])).toMatchObject({ code: 0 });
    expect(await run('amtool', ['check-config', join(out, 'alertmanager/alertmanager.yml')])).toMatchObject({ code: 0 });
    expect(await run('promtool', ['check', 'config', join(out, 'prometheus/prometheus.yml')])).toMatchObject({ code: 0 });
    const fast = readFileSync(join(out, 'prometheus/rules/alerts.yml'), 'utf8').split('\n');
    const prod = readText('docker/prometheus/rules/alerts.yml').split('\n');
    const changed = prod.flatMap((line, i) => (line === fast[i] ? [] : [`${line.trim()} -> ${fast[i]?.trim()}`]));
    // TargetDown's and ServiceHasNoTargets' for: (tools/stack/checks/40-alert-mail.sh).
    expect(changed).toEqual(['for: 2m -> for: 10s', 'for: 2m -> for: 10s']);
  });

  it('when a timing line the CI copy rewrites has changed, then fast-alerting.sh fails instead of leaving CI slow', async () => {
    // A copy of the repo's docker/ config with group_wait edited.
    const root = join(dir, 'repo');
    await run('mkdir', ['-p', join(root, 'tools/stack'), join(root, 'docker')]);
    await run('cp', ['-r', 'docker/prometheus', 'docker/alertmanager', join(root, 'docker')]);
    await run('cp', ['tools/stack/fast-alerting.sh', join(root, 'tools/stack')]);
    const am = join(root, 'docker/alertmanager/alertmanager.yml');
    writeFileSync(am, readText(CONFIG).replace('group_wait: 30s', 'group_wait: 45s'));
    const result = await run('bash', [join(root, 'tools/stack/fast-alerting.sh'), join(dir, 'fast2')]);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('group_wait');
  });
});
