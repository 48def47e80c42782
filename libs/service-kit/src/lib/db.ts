import fp from 'fastify-plugin';
import pg from 'pg';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's own PostgreSQL pool (its database only); closed when the app closes. */
    db: pg.Pool;
  }
}

export interface DbPluginOptions {
  connectionString: string;
  max: number;
  /** Shown in pg_stat_activity, so a DBA can tell the services' connections apart. */
  applicationName: string;
}

/**
 * The PostgreSQL pool, and the `db` readiness check. The pool connects lazily:
 * the process starts (and /healthz answers) while the database is down, and
 * /readyz reports it.
 */
export const dbPlugin = fp<DbPluginOptions>(
  async (app, options) => {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max,
      application_name: options.applicationName,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its connection emits 'error' on the pool; unhandled, it would kill the process.
    pool.on('error', (error) =>
      app.log.error({ err: error }, 'idle database connection failed'),
    );

    app.decorate('db', pool);
    app.health.register('db', async () => {
      await pool.query('SELECT 1');
    });
    app.addHook('onClose', async () => {
      await pool.end();
    });
  },
  { name: 'db', fastify: '5.x', decorators: { fastify: ['health'] } },
);
