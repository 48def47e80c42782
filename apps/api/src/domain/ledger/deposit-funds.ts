import {
  DAILY_DEPOSIT_LIMIT_MINOR,
  IDEMPOTENCY_KEY_TTL_HOURS,
  MAX_DEPOSIT_MINOR,
  depositCompletedEvent,
  type DepositRequest,
  type DepositResponse,
} from '@flotilla/contracts';
import { LedgerError } from './errors';
import { hashRequest, replayOf, type IdempotentResult } from './idempotency';
import { startOfUtcDay, toJsonAmount, toMinorUnits } from './money';
import type { Clock, EventMetadata, IdGenerator, LedgerUnitOfWork } from './ports';
import { mustHave } from './transfer-funds';

/** The first external-funding system account (created by the first migration). */
export const EXTERNAL_FUNDING_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

/**
 * External funding is spread over 16 system accounts (…0001 to …0010, the
 * funding_account_shards migration), so concurrent deposits do not all queue
 * on one row lock from their UPDATE to their COMMIT (issue #16). Together they
 * are the funding side: their balances sum to minus all deposits.
 */
export const FUNDING_ACCOUNT_IDS: readonly string[] = Array.from(
  { length: 16 },
  (_, i) => `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
);

/**
 * The funding account a deposit into `accountId` is debited from: a hash of the
 * account id over the first `shards`. A user's deposits already queue on their
 * own row, so they always take the same funding row; different users spread.
 */
export function fundingAccountFor(accountId: string, shards: number): string {
  const count = Math.min(Math.max(Math.trunc(shards), 1), FUNDING_ACCOUNT_IDS.length);
  let hash = 0;
  for (let i = 0; i < accountId.length; i += 1) hash = (Math.imul(hash, 31) + accountId.charCodeAt(i)) | 0;
  return FUNDING_ACCOUNT_IDS[(hash >>> 0) % count] as string;
}

export interface DepositFundsCommand {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly request: DepositRequest;
  readonly meta: EventMetadata;
}

export interface DepositFundsDeps {
  readonly uow: LedgerUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** How many of FUNDING_ACCOUNT_IDS deposits use (1 is the single funding row of before). Default all. */
  readonly fundingShards?: number;
}

/**
 * A simulated top-up: debit external funding, credit the user, capped per
 * deposit and per UTC day. The user's row is locked before the day's total is
 * summed, so two concurrent deposits cannot both squeeze under the cap.
 */
export function createDepositFunds({ uow, clock, ids, fundingShards = FUNDING_ACCOUNT_IDS.length }: DepositFundsDeps) {
  return async function depositFunds(command: DepositFundsCommand): Promise<IdempotentResult<DepositResponse>> {
    const amount = toMinorUnits(command.request.amount, MAX_DEPOSIT_MINOR);
    const requestHash = hashRequest('POST /deposits', command.request);

    return uow.run(async (tx) => {
      const claim = await tx.claimIdempotencyKey({
        userId: command.userId,
        key: command.idempotencyKey,
        requestHash,
        ttlHours: IDEMPOTENCY_KEY_TTL_HOURS,
      });
      const replay = replayOf<DepositResponse>(claim, requestHash);
      if (replay) return replay;

      const account = await tx.lockAccountOfUser(command.userId);
      if (!account) throw new LedgerError('ACCOUNT_NOT_READY', 'your account is not open yet');
      if (account.status !== 'active') throw new LedgerError('ACCOUNT_FROZEN', 'your account is frozen');

      const createdAt = clock.now();
      const depositedToday = await tx.sumDepositsSince(account.id, startOfUtcDay(createdAt));
      if (depositedToday + amount > BigInt(DAILY_DEPOSIT_LIMIT_MINOR)) {
        throw new LedgerError(
          'DAILY_DEPOSIT_LIMIT',
          `deposits are limited to ${DAILY_DEPOSIT_LIMIT_MINOR} minor units per UTC day; ${depositedToday} already deposited today`,
        );
      }

      const depositId = ids.uuid();
      await tx.insertDeposit({ id: depositId, accountId: account.id, amount, currency: account.currency, createdAt });
      // The user's row first, then its funding account: the same order in every deposit.
      const balances = await tx.postEntries({ id: depositId, kind: 'deposit', createdAt }, [
        { accountId: account.id, amount },
        { accountId: fundingAccountFor(account.id, fundingShards), amount: -amount },
      ]);
      const balanceAfter = mustHave(balances, account.id);
      await tx.insertActivity([
        {
          userId: account.userId,
          movementId: depositId,
          kind: 'deposit',
          direction: 'in',
          amount,
          currency: account.currency,
          balanceAfter,
          createdAt,
        },
      ]);
      await tx.enqueueEvent(
        depositCompletedEvent,
        {
          depositId,
          userId: account.userId,
          accountId: account.id,
          amount: toJsonAmount(amount),
          currency: account.currency,
          balanceAfter: toJsonAmount(balanceAfter),
          completedAt: createdAt.toISOString(),
        },
        { ...command.meta, aggregateType: 'account', aggregateId: account.id },
      );

      const body: DepositResponse = {
        depositId,
        amount: toJsonAmount(amount),
        currency: account.currency,
        balanceAfter: toJsonAmount(balanceAfter),
        createdAt: createdAt.toISOString(),
      };
      await tx.completeIdempotencyKey({ userId: command.userId, key: command.idempotencyKey, status: 201, body });
      return { status: 201, body, replayed: false };
    });
  };
}
