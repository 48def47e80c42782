import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { createDepositFunds } from '../../../domain/ledger/deposit-funds';
import { createReadHistory, type ActivityReader } from '../../../domain/ledger/history';
import { createOpenAccount } from '../../../domain/ledger/open-account';
import { createTransferFunds } from '../../../domain/ledger/transfer-funds';
import { createAccountRepository, type AccountRepository } from '../../repositories/account-repository';
import { createActivityRepository } from '../../repositories/activity-repository';
import { createLedgerRepository, purgeExpiredIdempotencyKeys } from '../../repositories/ledger-repository';
import { createLedgerMetrics, type LedgerMetrics } from '../../ledger-metrics';

declare module 'fastify' {
  interface FastifyInstance {
    ledger: {
      accounts: AccountRepository;
      activity: ActivityReader;
      openAccount: ReturnType<typeof createOpenAccount>;
      transferFunds: ReturnType<typeof createTransferFunds>;
      depositFunds: ReturnType<typeof createDepositFunds>;
      readHistory: ReturnType<typeof createReadHistory>;
      metrics: LedgerMetrics;
    };
  }
}

export interface LedgerPluginOptions {
  /** How often expired Idempotency-Key rows are deleted; 0 turns the job off. */
  idempotencyPurgeIntervalMs: number;
  /** See FUNDING_ACCOUNT_SHARDS; default all of FUNDING_ACCOUNT_IDS. */
  fundingAccountShards?: number;
}

/** Repositories and use cases, wired once per app over the shared pool. */
export default fp<LedgerPluginOptions>(
  async (app, options) => {
    const accounts = createAccountRepository(app.db);
    const activity = createActivityRepository(app.db);
    const uow = createLedgerRepository({ pool: app.db });
    const clock = { now: () => new Date() };
    const ids = { uuid: () => randomUUID() };
    app.decorate('ledger', {
      accounts,
      activity,
      openAccount: createOpenAccount({ accounts }),
      transferFunds: createTransferFunds({ uow, clock, ids }),
      depositFunds: createDepositFunds({ uow, clock, ids, fundingShards: options.fundingAccountShards }),
      readHistory: createReadHistory({ activity }),
      metrics: createLedgerMetrics(app.metrics.registry),
    });

    if (options.idempotencyPurgeIntervalMs > 0) {
      const timer = setInterval(() => {
        purgeExpiredIdempotencyKeys(app.db).catch((error: unknown) => app.log.warn({ err: error }, 'idempotency key purge failed'));
      }, options.idempotencyPurgeIntervalMs);
      timer.unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }
  },
  { name: 'ledger', fastify: '5.x', dependencies: ['db'], decorators: { fastify: ['db', 'metrics'] } },
);
