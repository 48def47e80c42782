import type { EventDefinition, EventPayload } from '@flotilla/contracts';

export type AccountStatus = 'active' | 'frozen';

export interface LedgerAccount {
  readonly id: string;
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  readonly currency: string;
  readonly balance: bigint;
  readonly status: AccountStatus;
  readonly updatedAt: Date;
}

export interface NewAccount {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  readonly currency: string;
}

export type MovementKind = 'transfer' | 'deposit';

export interface EntryToPost {
  readonly accountId: string;
  /** Signed: a debit is negative, a credit positive. The entries of one movement sum to zero. */
  readonly amount: bigint;
}

export interface ActivityRow {
  readonly userId: string;
  readonly movementId: string;
  readonly kind: MovementKind;
  readonly direction: 'in' | 'out';
  readonly amount: bigint;
  readonly currency: string;
  readonly counterparty?: { readonly userId: string; readonly email: string; readonly displayName: string };
  readonly note?: string;
  readonly balanceAfter: bigint;
  readonly createdAt: Date;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'existing'; readonly requestHash: string; readonly status: number; readonly body: unknown };

export interface EventMetadata {
  readonly correlationId?: string;
  readonly traceId?: string;
}

/** What a money movement may do inside its one database transaction. */
export interface LedgerTransaction {
  /**
   * Records the key for this user, or returns the live record already there. A
   * concurrent claim of the same key waits for the first transaction to finish.
   */
  claimIdempotencyKey(input: { userId: string; key: string; requestHash: string; ttlHours: number }): Promise<IdempotencyClaim>;
  completeIdempotencyKey(input: { userId: string; key: string; status: number; body: unknown }): Promise<void>;
  /**
   * Finds and locks (SELECT … FOR UPDATE, in id order, one statement) the sender's
   * account and the account registered under the recipient email; either may be missing.
   */
  lockTransferParties(senderUserId: string, recipientEmail: string): Promise<{ sender: LedgerAccount | null; recipient: LedgerAccount | null }>;
  /** Finds and locks the user's account. */
  lockAccountOfUser(userId: string): Promise<LedgerAccount | null>;
  sumDepositsSince(accountId: string, since: Date): Promise<bigint>;
  insertTransfer(row: { id: string; fromAccountId: string; toAccountId: string; amount: bigint; currency: string; note?: string; createdAt: Date }): Promise<void>;
  insertDeposit(row: { id: string; accountId: string; amount: bigint; currency: string; createdAt: Date }): Promise<void>;
  /** Applies the entries to the balances and writes them; returns each account's balance after. */
  postEntries(movement: { id: string; kind: MovementKind; createdAt: Date }, entries: readonly EntryToPost[]): Promise<Map<string, bigint>>;
  /** Returns the per-user sequence numbers given to the rows, in order. */
  insertActivity(rows: readonly ActivityRow[]): Promise<string[]>;
  /** Writes the event to the outbox; events of one aggregate (an account) are published in order. */
  enqueueEvent<E extends EventDefinition>(
    event: E,
    payload: EventPayload<E>,
    meta: EventMetadata & { readonly aggregateType: string; readonly aggregateId: string },
  ): Promise<void>;
}

export interface LedgerUnitOfWork {
  /** Runs `work` in one database transaction: all of it commits, or none of it. */
  run<T>(work: (tx: LedgerTransaction) => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  uuid(): string;
}
