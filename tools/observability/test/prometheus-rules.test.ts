import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { metricNamesIn } from '../src';
import { allRules, exportedMetricNames, listFiles, readText, readYaml, recordedNames, repoPath } from './support';

const run = promisify(execFile);

interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe('Prometheus rules', () => {
  it('when check-prometheus.sh runs, then promtool accepts the config and rules and every test group passes', async () => {
    const groups = listFiles('docker/prometheus/tests', '.test.yml').reduce(
      (sum, file) => sum + readYaml<RuleTestFile>('docker/prometheus/tests', file).tests.length,
      0,
    );

    const { stdout } = await run('bash', [repoPath('tools/observability/check-prometheus.sh')], { cwd: repoPath() });

    const lines = stdout.trim().split('\n');
    // check config + check rules + one case per test group
    expect(lines.at(-1)).toBe(`promtool-tests: ${groups + 2} passed, 0 failed`);
    expect(lines.filter((line) => line.startsWith('promtool-tests:'))).toHaveLength(1);
    // One promtool run per test group: about 1 s each, much more on a busy machine.
  }, 180_000);

  it('when a rule test expects the wrong alert, then check-prometheus.sh fails and counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-rule-tests-'));
    const broken = join(dir, 'broken.test.yml');
    writeFileSync(
      broken,
      [
        `rule_files: [${repoPath('docker/prometheus/rules/alerts.yml')}]`,
        'evaluation_interval: 1m',
        'tests:',
        '  # PostgresDown expected while pg_up is 1',
        '  - interval: 1m',
        "    input_series: [{series: 'pg_up{instance=\"x\"}', values: '1x5'}]",
        '    alert_rule_test: [{eval_time: 3m, alertname: PostgresDown, exp_alerts: [{exp_labels: {severity: critical, instance: x}}]}]',
        '',
      ].join('\n'),
    );
    try {
      const result = await run('bash', [repoPath('tools/observability/check-prometheus.sh')], {
        cwd: repoPath(),
        env: { ...process.env, PROMTOOL_TEST_FILES: broken },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('FAIL  broken.test.yml: PostgresDown expected while pg_up is 1');
      expect(result.stdout).toMatch(/promtool-tests: 2 passed, 1 failed\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when alerts are defined, then each has a runbook annotation naming a section of docs/runbooks.md', () => {
    const headings = new Set(
      readText('docs/runbooks.md')
        .split('\n')
        .filter((line) => line.startsWith('## '))
        .map((line) => line.slice(3).trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')),
    );
    const alerts = allRules().filter((rule) => rule.alert);

    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) {
      expect({ alert: alert.alert, runbook: alert.annotations?.['runbook'] }).toEqual({
        alert: alert.alert,
        runbook: `docs/runbooks.md#${alert.alert?.toLowerCase()}`,
      });
      expect(headings).toContain(alert.alert?.toLowerCase());
    }
  });

  it('when alerts are defined, then each has a unit test where it fires and one where it does not', () => {
    const cases = listFiles('docker/prometheus/tests', '.test.yml').flatMap((file) =>
      readYaml<RuleTestFile>('docker/prometheus/tests', file).tests.flatMap((group) => group.alert_rule_test ?? []),
    );
    const missing: string[] = [];
    for (const alert of allRules().flatMap((rule) => (rule.alert ? [rule.alert] : []))) {
      const own = cases.filter((c) => c.alertname === alert);
      if (!own.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no firing test`);
      if (!own.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no quiet test`);
    }
    expect(missing).toEqual([]);
  });

  it('when rules name metrics, then each is exported by a scrape target or recorded by a rule', async () => {
    const { names, source } = await exportedMetricNames();
    const recorded = recordedNames();
    const unknown = allRules().flatMap((rule) =>
      metricNamesIn(rule.expr)
        .filter((name) => !names.has(name) && !recorded.has(name))
        .map((name) => `${rule.alert ?? rule.record}: ${name} (not in ${source} nor the exporter lists)`),
    );
    expect(unknown).toEqual([]);
  });
});
