import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from './support';

/* tools/ci/shellcheck.sh (run by the check stage on every shell script) fails on a broken script. */
const exec = promisify(execFile);
const run = (files: string) =>
  exec('bash', [repoPath('tools/ci/shellcheck.sh')], { env: { ...process.env, SHELLCHECK_FILES: files } }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

describe('tools/ci/shellcheck.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-shellcheck-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when a script backgrounds a command by an unquoted & (the old Elasticsearch probe), then it fails and counts it', async () => {
    const broken = join(dir, 'broken.sh');
    writeFileSync(broken, '#!/bin/sh\ncurl -fsS http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s\n');
    const clean = join(dir, 'clean.sh');
    writeFileSync(clean, '#!/bin/sh\ncurl -fsS "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s"\n');
    const result = await run(`${broken} ${clean}`);
    expect(result.code).toBe(1);
    expect(result.out).toContain('SC1132');
    expect(result.out).toMatch(/shellcheck-checks: 1 passed, 1 failed\n$/);
  });
});
