// The Prisma CLI configuration every service shares (apps/*/prisma.config.ts
// call it with their own database variable). Loaded only by the Prisma CLI
// (generate, migrate, seed), never by a service. It carries the workarounds
// that running Prisma 6's wasm schema engine through @prisma/adapter-pg needs;
// keeping them here means a fix lands once for every database.
import 'dotenv/config';
import pg from 'pg';
import { createRequire } from 'node:module';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Workaround for prisma/orm#27403 (open): the wasm schema engine, fed through
// @prisma/adapter-pg, cannot deserialise PostgreSQL catalog types such as `name`.
// Report them as text. Patched on pg.Client so that the shadow-database pool
// adapter-pg creates internally is covered as well.
// "char", name, int2vector, oidvector, pg_node_tree, regproc, regclass, regtype -> text
const AS_TEXT = new Set([18, 19, 22, 24, 30, 194, 2205, 2206]);
// "char"[] and name[] -> text[]
const AS_TEXT_ARRAY = new Set([1002, 1003]);

interface FieldLike {
  dataTypeID: number;
}
function fix<T>(result: T): T {
  for (const res of Array.isArray(result) ? result : [result]) {
    for (const f of ((res as { fields?: FieldLike[] } | undefined)?.fields ?? [])) {
      if (AS_TEXT.has(f.dataTypeID)) f.dataTypeID = 25;
      else if (AS_TEXT_ARRAY.has(f.dataTypeID)) f.dataTypeID = 1009;
    }
  }
  return result;
}
type QueryFn = (...args: unknown[]) => unknown;
function patch(Client: { prototype: { query: QueryFn; __nameAsText?: boolean } }) {
  if (Client.prototype.__nameAsText) return;
  const orig = Client.prototype.query;
  Client.prototype.__nameAsText = true;
  Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as (err: unknown, res: unknown) => void;
      args[last] = (err: unknown, res: unknown) => cb(err, err ? res : fix(res));
    }
    const out = orig.apply(this, args);
    return out && typeof (out as Promise<unknown>).then === 'function' ? (out as Promise<unknown>).then(fix) : out;
  };
}
patch(pg.Client as never);
// the copy of pg that @prisma/adapter-pg itself loads
const req = createRequire(require.resolve('@prisma/adapter-pg'));
patch(req('pg').Client);

// adapter-pg's executeScript splits a migration on every ";" and runs the pieces one
// by one, which breaks any statement with a ";" inside it (a plpgsql function body,
// a comment). PostgreSQL runs a multi-statement script fine as one simple query.
type ScriptAdapter = { executeScript(script: string): Promise<void> };
function runScriptsWhole<T extends ScriptAdapter>(adapter: T): T {
  const internals = adapter as unknown as { client: pg.Pool; onError(error: unknown): never };
  adapter.executeScript = async (script: string) => {
    try {
      await internals.client.query(script);
    } catch (error) {
      internals.onError(error);
    }
  };
  return adapter;
}

// adapter-pg drops the shadow database before closing its pool, so the DROP fails
// ("is being accessed by other users"); close the shadow pool first, then drop.
class PrismaPgForMigrate extends PrismaPg {
  override async connect() {
    return runScriptsWhole(await super.connect());
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const config = (this as unknown as { config: pg.PoolConfig }).config;
    const shadow = runScriptsWhole(await new PrismaPg({ ...config, database }).connect());
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

export interface CliConfigOptions {
  /** The variable the schema's datasource reads, e.g. LEDGER_DATABASE_URL. */
  urlEnv: string;
  /** Variables that stand in for it when it is unset, in order (the name tests and
   * tools use on a shared machine, or the migrate image's DATABASE_URL). */
  fallbacks?: string[];
  /** `prisma db seed`'s command, when the service has seed data. */
  seed?: string;
}

export function prismaCliConfig({ urlEnv, fallbacks = [], seed }: CliConfigOptions) {
  // (process.env turns an assigned undefined into the string "undefined")
  const url = [urlEnv, ...fallbacks].map((name) => process.env[name]).find(Boolean);
  if (url) process.env[urlEnv] = url;
  // `generate` needs no database, but the schema's env(...) must resolve or the CLI
  // falls back to downloading a native engine (impossible offline).
  if (!process.env[urlEnv]) {
    if (!['generate', 'validate', 'format'].some((c) => process.argv.includes(c))) {
      // Said here: left unresolved, the CLI would try to download an engine instead.
      throw new Error(`set ${[urlEnv, ...fallbacks].join(' or ')} to this service's database URL`);
    }
    process.env[urlEnv] = 'postgresql://unused@localhost/unused';
  }
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: 'prisma/schema.prisma',
    migrations: { path: 'prisma/migrations', ...(seed ? { seed } : {}) },
    async adapter() {
      // Discrete fields, not connectionString: adapter-pg builds the shadow-database
      // pool as { ...config, database }, and a connectionString would override `database`.
      const u = new URL(process.env[urlEnv] as string);
      return new PrismaPgForMigrate({
        host: u.hostname,
        port: Number(u.port || 5432),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.slice(1),
        idleTimeoutMillis: 500, // let the CLI exit promptly
      });
    },
  });
}
