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

/** The system account every deposit is debited from (created by the first migration). */
export const EXTERNAL_FUNDING_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

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
}

/**
 * A simulated top-up: debit external funding, credit the user, capped per
 * deposit and per UTC day. The user's row is locked before the day's total is
 * summed, so two concurrent deposits cannot both squeeze under the cap.
 */
export function createDepositFunds({ uow, clock, ids }: DepositFundsDeps) {
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
      // The user's row first, then the funding account: the same order in every deposit.
      const balances = await tx.postEntries({ id: depositId, kind: 'deposit', createdAt }, [
        { accountId: account.id, amount },
        { accountId: EXTERNAL_FUNDING_ACCOUNT_ID, amount: -amount },
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
