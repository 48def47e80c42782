/* Shared by every benchmark: its own ES256 key and JWKS endpoint, servers started
   as child processes, the load generator as a child process, interleaved rounds,
   medians with their spread, and the side-by-side table. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHORT = process.argv.includes('--short') || process.env.BENCH_SHORT === '1';
/** Seconds per measured run, rounds per figure (each the median of at least 3). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? (SHORT ? 1 : 10));
export const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
export const ISSUER = 'http://bench.invalid/auth';
export const AUDIENCE = 'flotilla-api';
export const LEDGER_DATABASE_URL = process.env.LEDGER_DATABASE_URL ?? 'postgresql://ledger:ledger@127.0.0.1:5432/ledger';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const RUN_ID = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
export const LOG_DIR = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));

const children = new Set();
function stopAll() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** A signing key of this run's own and a JWKS endpoint serving its public half. */
export async function createIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: `bench-${RUN_ID}`, alg: 'ES256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const jwksUri = `http://127.0.0.1:${server.address().port}/jwks`;
  return {
    jwksUri,
    close: () => server.close(),
    sign: ({ sub, scope, email, name, expiresInSeconds = 3600 }) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ scope, client_id: 'bench-client', ...(email ? { email } : {}), ...(name ? { name } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

export function freePort() {
  return new Promise((done, fail) => {
    const server = http.createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * Starts a server in its own process; its stdout (the access log) goes to a file,
 * as a container runtime would take it, and is counted at the end.
 */
export async function startServer(name, args, { env = {}, readyPath = '/healthz', cwd = ROOT } = {}) {
  const port = await freePort();
  const logFile = join(LOG_DIR, `${name.replace(/[^a-z0-9]+/gi, '-')}.log`);
  const out = createWriteStream(logFile);
  await new Promise((done) => out.on('open', done));
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a machine shared with other work a cold start can take tens of seconds.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${url}${readyPath}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become ready: ${stderr}`);
    await sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid,
    logFile,
    logLines: () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length,
    rssKiB: () => rssKiB(child.pid),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }).then(() => children.delete(child)),
  };
}

export function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** One run of the load generator in its own process; resolves with its figures. */
export function load(spec) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'tools/bench/lib/load.mjs'), JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      children.delete(child);
      if (code !== 0) return fail(new Error(`load generator failed (${code}): ${err}`));
      done(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "1,234 (1,100–1,300)": the median and the range of the rounds. */
export function withSpread(values, digits = 0) {
  const fmt = (v) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

/**
 * Interleaved rounds: A, B, C, A, B, C … so a burst of load from elsewhere on the
 * machine hits every target alike. `specFor(target, round)` builds the load spec.
 */
export async function interleave(targets, specFor, rounds = ROUNDS) {
  const results = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const target of targets) {
      const before = cpuMs(target.pid);
      const result = await load(specFor(target, round));
      // CPU time the server process spent per request: far less sensitive to other
      // work on the machine than req/s, so it is the figure to compare builds by.
      result.cpuUsPerRequest = result.total > 0 ? ((cpuMs(target.pid) - before) * 1000) / result.total : NaN;
      results.get(target.name).push(result);
    }
  }
  return results;
}

/** User + system CPU time of a process so far, in ms (Linux /proc). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second here).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

export function machineLine() {
  const cpu = cpus();
  return `machine: ${cpu.length} × ${cpu[0]?.model?.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; node ${process.version}; ${new Date().toISOString()}`;
}

/** Prints a markdown table (so docs/performance.md can take it as is). */
export function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  console.log(lines.join('\n'));
}

/** Fails the run when a target answered with errors: a fast 500 is not a result. */
export function assertClean(name, results) {
  const bad = results.filter((r) => r.non2xx > 0 || r.errors > 0);
  if (bad.length > 0) {
    throw new Error(`${name}: ${bad.map((r) => `${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} errors`).join('; ')}`);
  }
}
