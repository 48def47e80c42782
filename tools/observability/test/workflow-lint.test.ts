import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from './support';

/* tools/ci/lint-workflows.mjs (check stage): actionlint and shellcheck on the GitHub Actions workflows. */
const exec = promisify(execFile);
const lint = (...files: string[]) =>
  exec('node', [repoPath('tools/ci/lint-workflows.mjs'), ...files], { cwd: repoPath() }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

/** The result lines (and their indented details) of one file. */
const section = (out: string, file: string) =>
  out
    .split(/\n(?=ok|FAIL|workflow-checks)/)
    .filter((block) => block.split('\n', 1)[0]?.endsWith(file))
    .join('\n');

const header = ['name: t', 'on: push', 'jobs:', '  a:', '    runs-on: ubuntu-24.04'];

describe('tools/ci/lint-workflows.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-workflow-lint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("when it lints the repository's workflows, then actionlint and shellcheck accept each", async () => {
    const result = await lint();

    expect(result.out).toContain('ok    actionlint .github/workflows/ci.yml');
    expect(result.out).toContain('ok    shellcheck run: scripts of .github/workflows/ci.yml');
    expect(result.out).toMatch(/workflow-checks: 2 passed, 0 failed\n$/);
    expect(result.code).toBe(0);
  }, 60_000);

  describe('on broken workflows (one run over all three files: each loads the wasm once)', () => {
    let result: { code: number; out: string };
    beforeAll(async () => {
      const write = (name: string, lines: string[]) => {
        const file = join(dir, name);
        writeFileSync(file, [...header, ...lines, ''].join('\n'));
        return file;
      };
      result = await lint(
        write('broken.yml', ['    needs: [build]', '    steps:', '      - uses: actions/checkout@v4', '        timeout-minute: 3', '      - run: echo "${{ github.evnt_name }}"']),
        write('script.yml', ['    steps:', '      - name: Probe', '        run: curl -fsS http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s']),
        write('expr.yml', ['    steps:', '      - run: echo "${{ github.sha }}" > sha.txt']),
      );
    }, 120_000);

    it('when a job needs a job that does not exist, a step key is misspelt and an expression names an unknown property, then actionlint fails on each', () => {
      const own = section(result.out, 'broken.yml');
      expect(own).toContain('FAIL  actionlint');
      expect(own).toContain('[job-needs]');
      expect(own).toContain('unexpected key "timeout-minute"');
      expect(own).toContain('property "evnt_name" is not defined');
    });

    it('when a run: script backgrounds a command by an unquoted &, then shellcheck fails it and names the step', () => {
      const own = section(result.out, 'script.yml');
      expect(own).toMatch(/^ok {4}actionlint/m);
      expect(own).toContain('FAIL  shellcheck run: scripts of');
      expect(own).toContain('jobs.a.steps[0] (Probe)');
    });

    it('when a run: script uses ${{ }} expressions, then they are masked and do not trip shellcheck', () => {
      expect(section(result.out, 'expr.yml')).toMatch(/^ok {4}actionlint .*\nok {4}shellcheck run: scripts of /m);
    });

    it('when any file fails, then the run exits non-zero and counts every case', () => {
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/workflow-checks: 4 passed, 2 failed\n$/);
    });
  });
});
