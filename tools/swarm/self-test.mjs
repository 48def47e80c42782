// The small runner of the swarm tools' self-tests (checks.test.mjs,
// parity.test.mjs): each case prints "ok:" or "FAILED:", and finish() prints
// "<label>: N passed, N failed" (what tools/ci/summarize.mjs counts) and exits
// non-zero when any case failed.
export function selfTest(label) {
  let passed = 0;
  let failed = 0;
  return {
    test(name, fn) {
      try {
        fn();
        passed += 1;
        console.log(`ok: ${name}`);
      } catch (error) {
        failed += 1;
        console.log(`FAILED: ${name}: ${error.message}`);
      }
    },
    finish() {
      console.log(`${label}: ${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
}
