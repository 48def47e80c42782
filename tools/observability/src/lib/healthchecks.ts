import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * A healthcheck that cannot fail is not a check (issue 14, finding 2: the
 * Elasticsearch probe's unquoted `&` sent curl to the background, so the
 * command's status was the status of the assignment `timeout=5s`, always 0).
 * These helpers find every `CMD-SHELL` healthcheck of a compose file and run
 * it with its probe commands replaced by stubs, once failing and once
 * succeeding: the check must follow the probe both ways.
 */

/** The commands a healthcheck uses to probe a service (stubbed when run). */
export const PROBE_COMMANDS = [
  'curl',
  'wget',
  'pg_isready',
  'psql',
  'rabbitmq-diagnostics',
  'rabbitmqctl',
  'nc',
  'node',
  'redis-cli',
  'mysqladmin',
  'grpc_health_probe',
  'nginx',
] as const;

export interface ShellHealthcheck {
  /** The compose file it comes from (as given). */
  file: string;
  service: string;
  /** The command as the container's `/bin/sh -c` receives it (after compose's `$$` unescaping). */
  command: string;
}

/**
 * Compose's interpolation, enough for healthcheck strings: `$$` is a literal
 * `$`; `${VAR:-default}` / `${VAR-default}` take the default (a healthcheck
 * must not depend on the caller's environment); `${VAR}` and `$VAR` become ''.
 */
export function composeInterpolate(text: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, _name, fallback) => {
    if (match === '$$') return '$';
    return fallback ?? '';
  });
}

/** Every CMD-SHELL healthcheck (list or string form) of one compose file's text. */
export function shellHealthchecks(file: string, text: string): ShellHealthcheck[] {
  const doc = parse(text, { merge: true }) as { services?: Record<string, { healthcheck?: { test?: unknown } }> } | null;
  const found: ShellHealthcheck[] = [];
  for (const [service, definition] of Object.entries(doc?.services ?? {})) {
    const test = definition?.healthcheck?.test;
    let command: string | undefined;
    // Compose: a string is CMD-SHELL; a list starts with CMD, CMD-SHELL or NONE.
    if (typeof test === 'string') command = test;
    else if (Array.isArray(test) && test[0] === 'CMD-SHELL') command = test.slice(1).join(' ');
    if (command !== undefined) found.push({ file, service, command: composeInterpolate(command) });
  }
  return found;
}

export const shellHealthchecksOfFile = (path: string, label = path) => shellHealthchecks(label, readFileSync(path, 'utf8'));

export interface ProbeRun {
  status: number | null;
  /** The probe commands the check invoked, in order. */
  invoked: string[];
  output: string;
}

/**
 * Runs a healthcheck command under `/bin/sh -c` (as Docker does) with every
 * PROBE_COMMANDS entry replaced by a stub that exits `probeExit` (and prints
 * nothing), the rest of PATH as on this machine. Waits for background jobs
 * the command may have left (an unquoted `&`), so their stub calls count.
 */
export function runWithStubbedProbes(command: string, probeExit: number, timeoutMs = 10_000): ProbeRun {
  const dir = mkdtempSync(join(tmpdir(), 'healthcheck-stubs-'));
  try {
    const log = join(dir, 'invoked.log');
    writeFileSync(log, '');
    for (const name of PROBE_COMMANDS) {
      const stub = join(dir, name);
      writeFileSync(stub, `#!/bin/sh\necho ${name} >> '${log}'\nexit ${probeExit}\n`);
      chmodSync(stub, 0o755);
    }
    const result = spawnSync('/bin/sh', ['-c', `${command}\n__status=$?; wait; exit $__status`], {
      env: { PATH: `${dir}:/usr/local/bin:/usr/bin:/bin`, HOME: dir },
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return {
      status: result.status,
      invoked: readFileSync(log, 'utf8').split('\n').filter(Boolean),
      output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface HealthcheckVerdict {
  /** Exits non-zero when its probes fail. */
  failsWhenProbeFails: boolean;
  /** Exits zero when its probes succeed (it is not failing for another reason). */
  passesWhenProbePasses: boolean;
  /** Calls at least one probe command at all. */
  probes: boolean;
  failing: ProbeRun;
  passing: ProbeRun;
}

export function judgeHealthcheck(command: string): HealthcheckVerdict {
  const failing = runWithStubbedProbes(command, 1);
  const passing = runWithStubbedProbes(command, 0);
  return {
    failsWhenProbeFails: failing.status !== 0,
    passesWhenProbePasses: passing.status === 0,
    probes: failing.invoked.length > 0,
    failing,
    passing,
  };
}
