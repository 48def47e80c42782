// Swarm has no `depends_on`: a service cannot wait for a one-shot job. So the
// api, auth and the seed job start with this script in front of their command
// (compose.swarm.yml mounts it as a swarm config): it waits until the
// migration job of their database has finished, then execs nothing itself but
// exits 0, and the shell runs the real command.
//
// "Finished" is read from the database, the one place both sides can see:
// Prisma's _prisma_migrations table exists, has at least one applied
// migration and none half-applied, and `prisma migrate deploy` does not hold
// its advisory lock (72707369, taken for the whole run), so no migration is
// under way between two rows. A schema that an older deploy migrated passes at
// once: on a rolling update the new migrations must be backward compatible
// (expand, then contract), as with any start-first update.
//
//   node /wait-for-schema.mjs            DATABASE_URL_FILE or DATABASE_URL
//   WAIT_FOR_SCHEMA_TIMEOUT_S (300)      then exits 1 (Swarm restarts the task)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// pg is in every Node service image (through @prisma/adapter-pg), under /app.
const require = createRequire(process.env.WAIT_FOR_SCHEMA_MODULES ?? '/app/package.json');
const { Client } = require('pg');

const url = process.env.DATABASE_URL_FILE
  ? readFileSync(process.env.DATABASE_URL_FILE, 'utf8').trim()
  : (process.env.DATABASE_URL ?? process.env.LEDGER_DATABASE_URL);
if (!url) {
  console.error('wait-for-schema: no DATABASE_URL_FILE or DATABASE_URL');
  process.exit(64);
}
const deadline = Date.now() + Number(process.env.WAIT_FOR_SCHEMA_TIMEOUT_S ?? 300) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function migrated() {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const table = await client.query(`SELECT to_regclass('_prisma_migrations') AS t`);
    if (!table.rows[0].t) return 'no _prisma_migrations table yet';
    const rows = await client.query(
      `SELECT count(*) FILTER (WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL)::int AS done,
              count(*) FILTER (WHERE finished_at IS NULL AND rolled_back_at IS NULL)::int AS open
         FROM _prisma_migrations`,
    );
    const { done, open } = rows.rows[0];
    if (done === 0 || open > 0) return `${done} applied, ${open} under way`;
    const lock = await client.query('SELECT pg_try_advisory_lock(72707369) AS free');
    if (!lock.rows[0].free) return 'prisma migrate holds its lock';
    await client.query('SELECT pg_advisory_unlock(72707369)');
    return true;
  } catch (error) {
    return `database: ${error.message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let last = '';
for (;;) {
  const state = await migrated();
  if (state === true) break;
  if (state !== last) console.error(`wait-for-schema: waiting (${state})`);
  last = state;
  if (Date.now() > deadline) {
    console.error('wait-for-schema: gave up');
    process.exit(1);
  }
  await sleep(1000);
}
console.error('wait-for-schema: migrations applied');
