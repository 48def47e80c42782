import {
  IDEMPOTENCY_KEY_TTL_HOURS,
  MAX_TRANSFER_MINOR,
  transferCompletedEvent,
  type TransferRequest,
  type TransferResponse,
} from '@flotilla/contracts';
import { LedgerError } from './errors';
import { hashRequest, replayOf, type IdempotentResult } from './idempotency';
import { normaliseEmail, toJsonAmount, toMinorUnits } from './money';
import type { Clock, EventMetadata, IdGenerator, LedgerAccount, LedgerUnitOfWork } from './ports';

export interface TransferFundsCommand {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly request: TransferRequest;
  readonly meta: EventMetadata;
}

export type TransferOutcome = IdempotentResult<TransferResponse> & { readonly fromUserId: string; readonly toUserId?: string };

export interface TransferFundsDeps {
  readonly uow: LedgerUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/**
 * Moves money between two users' accounts in one transaction: both rows are
 * locked in id order, the balance is checked on the locked row, the entries,
 * balances, activity, outbox event and idempotency record commit together.
 */
export function createTransferFunds({ uow, clock, ids }: TransferFundsDeps) {
  return async function transferFunds(command: TransferFundsCommand): Promise<TransferOutcome> {
    const amount = toMinorUnits(command.request.amount, MAX_TRANSFER_MINOR);
    const recipientEmail = normaliseEmail(command.request.recipientEmail);
    const note = command.request.note?.trim() || undefined;
    const requestHash = hashRequest('POST /transfers', { ...command.request, recipientEmail, note });

    return uow.run(async (tx) => {
      const claim = await tx.claimIdempotencyKey({
        userId: command.userId,
        key: command.idempotencyKey,
        requestHash,
        ttlHours: IDEMPOTENCY_KEY_TTL_HOURS,
      });
      const replay = replayOf<TransferResponse>(claim, requestHash);
      if (replay) return { ...replay, fromUserId: command.userId };

      // One statement finds and locks both rows in id order, so two transfers never deadlock.
      const { sender: from, recipient: to } = await tx.lockTransferParties(command.userId, recipientEmail);
      if (!from) throw new LedgerError('ACCOUNT_NOT_READY', 'your account is not open yet');
      if (from.email === recipientEmail || to?.id === from.id) throw new LedgerError('SELF_TRANSFER', 'you cannot send money to yourself');
      if (!to) throw new LedgerError('RECIPIENT_NOT_FOUND', 'no account is registered with that email');
      checkTransferable(from, to, amount);

      const transferId = ids.uuid();
      const createdAt = clock.now();
      await tx.insertTransfer({ id: transferId, fromAccountId: from.id, toAccountId: to.id, amount, currency: from.currency, note, createdAt });
      const balances = await tx.postEntries({ id: transferId, kind: 'transfer', createdAt }, [
        { accountId: from.id, amount: -amount },
        { accountId: to.id, amount },
      ]);
      const fromBalanceAfter = mustHave(balances, from.id);
      const toBalanceAfter = mustHave(balances, to.id);
      await tx.insertActivity([
        {
          userId: from.userId,
          movementId: transferId,
          kind: 'transfer',
          direction: 'out',
          amount,
          currency: from.currency,
          counterparty: { userId: to.userId, email: to.email, displayName: to.displayName },
          note,
          balanceAfter: fromBalanceAfter,
          createdAt,
        },
        {
          userId: to.userId,
          movementId: transferId,
          kind: 'transfer',
          direction: 'in',
          amount,
          currency: to.currency,
          counterparty: { userId: from.userId, email: from.email, displayName: from.displayName },
          note,
          balanceAfter: toBalanceAfter,
          createdAt,
        },
      ]);
      await tx.enqueueEvent(
        transferCompletedEvent,
        {
          transferId,
          fromUserId: from.userId,
          toUserId: to.userId,
          fromAccountId: from.id,
          toAccountId: to.id,
          amount: toJsonAmount(amount),
          currency: from.currency,
          ...(note ? { note } : {}),
          fromBalanceAfter: toJsonAmount(fromBalanceAfter),
          toBalanceAfter: toJsonAmount(toBalanceAfter),
          completedAt: createdAt.toISOString(),
        },
        { ...command.meta, aggregateType: 'account', aggregateId: from.id },
      );

      const body: TransferResponse = {
        transferId,
        amount: toJsonAmount(amount),
        currency: from.currency,
        recipient: { id: to.userId, email: to.email, displayName: to.displayName },
        ...(note ? { note } : {}),
        balanceAfter: toJsonAmount(fromBalanceAfter),
        createdAt: createdAt.toISOString(),
      };
      await tx.completeIdempotencyKey({ userId: command.userId, key: command.idempotencyKey, status: 201, body });
      return { status: 201, body, replayed: false, fromUserId: from.userId, toUserId: to.userId };
    });
  };
}

export function checkTransferable(from: LedgerAccount, to: LedgerAccount, amount: bigint): void {
  if (from.status !== 'active') throw new LedgerError('ACCOUNT_FROZEN', 'your account is frozen');
  if (to.status !== 'active') throw new LedgerError('ACCOUNT_FROZEN', "the recipient's account is frozen");
  if (from.currency !== to.currency) {
    throw new LedgerError('CURRENCY_MISMATCH', `the recipient's account is in ${to.currency}, yours in ${from.currency}`);
  }
  if (from.balance < amount) throw new LedgerError('INSUFFICIENT_FUNDS', 'your balance is too low for this transfer');
}

export function mustHave<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`invariant: ${String(key)} missing`);
  return value;
}
