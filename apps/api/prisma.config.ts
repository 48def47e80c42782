import 'dotenv/config';
import pg from 'pg';
import { createRequire } from 'node:module';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Workaround for prisma/orm#27403 (open): the wasm schema engine, fed through
// @prisma/adapter-pg, fails on PostgreSQL's `name` type (OID 19) with
// "Column type 'name' could not be deserialized". Report it as text (OID 25).
// Patched on pg.Client so the shadow-database pool that adapter-pg creates
// internally is covered too. Only loaded by the Prisma CLI, never by the app.
// pg catalog types that adapter-pg cannot map: "char", name, int2vector, oidvector,
// pg_node_tree, regproc, regclass, regtype -> text; "char"[] and name[] -> text[]
const AS_TEXT = new Set([18, 19, 22, 24, 30, 194, 2205, 2206]);
const AS_TEXT_ARRAY = new Set([1002, 1003]);
function fix(r: any) {
  for (const res of Array.isArray(r) ? r : [r]) {
    for (const f of res?.fields ?? []) {
      if (AS_TEXT.has(f.dataTypeID)) f.dataTypeID = 25;
      else if (AS_TEXT_ARRAY.has(f.dataTypeID)) f.dataTypeID = 1009;
    }
  }
  return r;
}
function patch(Client: any) {
  if (Client.prototype.__nameAsText) return;
  const orig = Client.prototype.query;
  Client.prototype.__nameAsText = true;
  Client.prototype.query = function (this: unknown, ...args: any[]) {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last];
      args[last] = (err: unknown, res: unknown) => cb(err, err ? res : fix(res));
    }
    const out = orig.apply(this, args);
    return out && typeof out.then === 'function' ? out.then(fix) : out;
  };
}
patch(pg.Client);
// the copy of pg that @prisma/adapter-pg itself loads (Node's own module cache)
const req = createRequire(require.resolve('@prisma/adapter-pg'));
patch(req('pg').Client);

// adapter-pg drops the shadow database before closing its pool, so the DROP fails
// ("is being accessed by other users"); close the shadow pool first, then drop.
class PrismaPgForMigrate extends PrismaPg {
  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...(this as any).config, database }).connect();
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    const url = process.env.LEDGER_DATABASE_URL ?? process.env.DATABASE_URL;
    if (!url) throw new Error('LEDGER_DATABASE_URL (or DATABASE_URL) is not set');
    // Discrete fields, not connectionString: adapter-pg builds the shadow-database
    // pool as { ...config, database }, and a connectionString would override `database`.
    const u = new URL(url);
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
