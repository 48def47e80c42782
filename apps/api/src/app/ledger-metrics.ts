import { Counter, Histogram, type Registry } from 'prom-client';

export interface LedgerMetrics {
  transfers: Counter<'outcome'>;
  refusals: Counter<'reason'>;
  deposits: Counter<'outcome'>;
  transferAmount: Histogram;
  depositAmount: Histogram;
}

/** Minor units: 1.00 to 10,000.00 in roughly ×3 steps. */
const AMOUNT_BUCKETS = [100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000];

/** Business metrics for the ledger dashboard, on the app's own registry. */
export function createLedgerMetrics(registry: Registry): LedgerMetrics {
  return {
    transfers: new Counter({
      name: 'ledger_transfers_total',
      help: 'Transfer requests by outcome (completed, replayed, refused, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'ledger_transfer_refusals_total',
      help: 'Money movements refused by a business rule, by reason code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    deposits: new Counter({
      name: 'ledger_deposits_total',
      help: 'Deposit requests by outcome (completed, replayed, refused, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    transferAmount: new Histogram({
      name: 'ledger_transfer_amount_minor',
      help: 'Amount of completed transfers in minor units',
      buckets: AMOUNT_BUCKETS,
      registers: [registry],
    }),
    depositAmount: new Histogram({
      name: 'ledger_deposit_amount_minor',
      help: 'Amount of completed deposits in minor units',
      buckets: AMOUNT_BUCKETS,
      registers: [registry],
    }),
  };
}
