// Reads the stage logs of tools/test.sh and prints one closing line,
// "N passed, N failed", counting test cases from Jest, Vitest, Playwright and
// our own check scripts. A failed stage that reported no failed test case counts as one
// failure, so a broken build can never read as green.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...failedStages] = process.argv.slice(2);
// eslint-disable-next-line no-control-regex
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
const failedIn = new Map();

for (const file of readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
  const stage = file.replace(/\.log$/, '');
  let stageFailed = 0;
  for (const line of strip(readFileSync(join(dir, file), 'utf8')).split('\n')) {
    let m;
    if ((m = /^Tests:\s+(.*)\s+(\d+) total/.exec(line))) {
      // Jest: "Tests:       1 failed, 2 skipped, 5 passed, 8 total"
      passed += Number(/(\d+) passed/.exec(m[1])?.[1] ?? 0);
      const f = Number(/(\d+) failed/.exec(m[1])?.[1] ?? 0);
      failed += f;
      stageFailed += f;
    } else if ((m = /^\s*Tests\s+(.*)\((\d+)\)\s*$/.exec(line))) {
      // Vitest: "      Tests  1 failed | 4 passed (5)"
      passed += Number(/(\d+) passed/.exec(m[1])?.[1] ?? 0);
      const f = Number(/(\d+) failed/.exec(m[1])?.[1] ?? 0);
      failed += f;
      stageFailed += f;
    } else if ((m = /^\s+(\d+) (passed|failed|flaky)( \(.*\))?$/.exec(line))) {
      // Playwright list reporter: "  3 passed (12.1s)", "  1 failed"
      if (m[2] === 'failed') {
        failed += Number(m[1]);
        stageFailed += Number(m[1]);
      } else passed += Number(m[1]);
    } else if ((m = /^[a-z-]+-(?:tests|checks): (\d+) passed, (\d+) failed$/.exec(line))) {
      // our own checkers: "promtool-tests: 26 passed, 0 failed", "boundary-checks: …"
      passed += Number(m[1]);
      failed += Number(m[2]);
      stageFailed += Number(m[2]);
    }
  }
  failedIn.set(stage, stageFailed);
}
for (const stage of failedStages) {
  if (!failedIn.get(stage)) failed += 1;
}
if (failedStages.length) console.log(`failed stages: ${failedStages.join(' ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || failedStages.length > 0 ? 1 : 0);
