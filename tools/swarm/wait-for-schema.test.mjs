// docker/swarm/wait-for-schema.mjs against the real PostgreSQL of the test
// machine (LEDGER_DATABASE_URL, whose role may create databases): in a scratch
// database it must keep waiting (exit 1 at its timeout) with no migrations
// table, with a half-applied migration, and while Prisma's migrate lock is
// held; and pass once every migration is applied and the lock is free.
// Prints "swarm-selftest-schema-checks: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { Client } = createRequire(`${root}package.json`)('pg');
const base = process.env.LEDGER_DATABASE_URL ?? 'postgresql://ledger:ledger@127.0.0.1:5432/ledger';
const name = `swarm_wait_${randomBytes(4).toString('hex')}`;
const url = new URL(base);
url.pathname = `/${name}`;

let passed = 0;
let failed = 0;
function expectExit(label, want) {
  const run = spawnSync(process.execPath, [`${root}docker/swarm/wait-for-schema.mjs`], {
    env: { ...process.env, DATABASE_URL_FILE: '', DATABASE_URL: url.href, WAIT_FOR_SCHEMA_TIMEOUT_S: '1', WAIT_FOR_SCHEMA_MODULES: `${root}package.json` },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const ok = run.status === want;
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${label}: exit ${run.status} (want ${want}); ${run.stderr.trim().split('\n').pop()}`);
}

const admin = new Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const db = new Client({ connectionString: url.href });
try {
  await db.connect();
  expectExit('waits while there is no _prisma_migrations table', 1);
  await db.query(`CREATE TABLE _prisma_migrations (id text PRIMARY KEY, finished_at timestamptz, rolled_back_at timestamptz)`);
  await db.query(`INSERT INTO _prisma_migrations VALUES ('1', now(), NULL), ('2', NULL, NULL)`);
  expectExit('waits while a migration is half-applied', 1);
  await db.query(`UPDATE _prisma_migrations SET finished_at = now()`);
  await db.query('SELECT pg_advisory_lock(72707369)');
  expectExit('waits while prisma migrate holds its advisory lock', 1);
  await db.query('SELECT pg_advisory_unlock(72707369)');
  expectExit('passes once every migration is applied and the lock is free', 0);
} finally {
  await db.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
}
console.log(`swarm-selftest-schema-checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
