// Writes each test group of promtool rule-test files into a file of its own,
// so a failure is reported per group and the groups can be counted
// (promtool 2.42 reports one verdict per file and has no --run filter).
// Usage: node split-rule-tests.mjs OUT_DIR TEST_FILE...
// Prints one line per group: "<file>\t<title>", title = the comment above it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error('usage: split-rule-tests.mjs OUT_DIR TEST_FILE...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

for (const file of files) {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) {
    console.error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    process.exit(1);
  }
  const spec = doc.toJS();
  const seq = doc.get('tests');
  const groups = seq?.items ?? [];
  if (groups.length === 0) {
    console.error(`${file}: no test groups`);
    process.exit(1);
  }
  // rule_files are relative to the test file; the split copies live elsewhere.
  const ruleFiles = (spec.rule_files ?? []).map((f) => resolve(dirname(file), f));
  groups.forEach((node, i) => {
    // The first item's comment is kept on the sequence itself.
    const comment = node.commentBefore ?? (i === 0 ? seq.commentBefore : undefined);
    const title = (comment ?? '').trim().split('\n').pop()?.trim() || `group ${i + 1}`;
    const out = resolve(outDir, `${basename(file, '.yml')}.${String(i + 1).padStart(2, '0')}.yml`);
    const single = { ...spec, rule_files: ruleFiles, tests: [spec.tests[i]] };
    writeFileSync(out, JSON.stringify(single, null, 2));
    console.log(`${out}\t${basename(file)}: ${title}`);
  });
}
