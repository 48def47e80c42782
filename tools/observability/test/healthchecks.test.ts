import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { judgeHealthcheck, shellHealthchecks, shellHealthchecksOfFile } from '../src';
import { ROOT, repoPath } from './support';

/*
 * Every CMD-SHELL healthcheck of every compose file must be able to fail
 * (issue 14, finding 2): run under /bin/sh with its probe commands stubbed to
 * fail, it exits non-zero; stubbed to succeed, it exits 0; and it calls a
 * probe at all. Each string also passes shellcheck (which flags the unquoted
 * `&` of the old Elasticsearch probe as SC1132).
 */
const composeFiles = readdirSync(ROOT)
  .filter((name) => /^(docker-)?compose(\.[\w-]+)*\.ya?ml$/.test(name))
  .sort();
const checks = composeFiles.flatMap((file) => shellHealthchecksOfFile(repoPath(file), file));

// The probe as it was before the fix (docker-compose.yml, elasticsearch).
const OLD_ELASTICSEARCH = `services:
  elasticsearch:
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS -o /dev/null -u \\"elastic:$$(cat /run/secrets/elastic_password)\\" http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s"]
`;

function shellcheck(command: string) {
  const result = spawnSync('shellcheck', ['--shell=sh', '--severity=warning', '-'], { input: `${command}\n`, encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck is not installed (Debian package shellcheck): ${result.error.message}`);
  return { status: result.status, output: result.stdout };
}

describe('compose healthchecks can fail', () => {
  it('when the compose files are read, then the CMD-SHELL healthchecks of the data and ELK services are found', () => {
    expect(composeFiles).toContain('docker-compose.yml');
    expect(checks.map((c) => c.service)).toEqual(expect.arrayContaining(['postgres', 'elasticsearch', 'kibana', 'logstash']));
  });

  it.each(checks.map((c) => [`${c.file} ${c.service}`, c] as const))(
    'when the probe of %s fails, then the healthcheck fails; when it succeeds, the healthcheck passes',
    (_label, check) => {
      const verdict = judgeHealthcheck(check.command);
      expect({ command: check.command, ...verdict, failing: verdict.failing.status, passing: verdict.passing.status }).toMatchObject({
        failsWhenProbeFails: true,
        passesWhenProbePasses: true,
        probes: true,
      });
    },
  );

  it.each(checks.map((c) => [`${c.file} ${c.service}`, c] as const))('when the healthcheck of %s is shellchecked, then it is clean', (_label, check) => {
    const result = shellcheck(check.command);
    expect({ command: check.command, status: result.status, output: result.output }).toMatchObject({ status: 0 });
  });
});

describe('the healthcheck test itself', () => {
  const [old] = shellHealthchecks('old.yml', OLD_ELASTICSEARCH);

  it('when it is fed the old Elasticsearch probe (unquoted &), then it sees that the check cannot fail', () => {
    expect(old?.command).toContain('$(cat /run/secrets/elastic_password)');
    const verdict = judgeHealthcheck(old?.command ?? '');
    expect(verdict.probes).toBe(true);
    expect(verdict.failsWhenProbeFails).toBe(false);
  });

  it('when shellcheck is fed the old Elasticsearch probe, then it reports the & that ends the command', () => {
    const result = shellcheck(old?.command ?? '');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('SC1132');
  });

  it('when a probe is swallowed (|| true) or never called, then the test rejects it', () => {
    expect(judgeHealthcheck('curl -fsS http://127.0.0.1/ || true').failsWhenProbeFails).toBe(false);
    expect(judgeHealthcheck('test -e /proc/1').probes).toBe(false);
    expect(judgeHealthcheck('curl -fsS http://127.0.0.1/ && false').passesWhenProbePasses).toBe(false);
  });

  it('when the string form or $${VAR:-default} is used, then it is read as compose runs it', () => {
    const [check] = shellHealthchecks('x.yml', 'services:\n  a:\n    healthcheck:\n      test: "wget -qO- http://127.0.0.1:$${PORT:-80}/ ${X:-9}"\n');
    expect(check?.command).toBe('wget -qO- http://127.0.0.1:${PORT:-80}/ 9');
  });
});
