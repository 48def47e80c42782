import type { EventDefinition } from '@flotilla/contracts';

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly active: boolean;
  readonly createdAt: Date;
}

/** An event for the transactional outbox, written in the same transaction as the change. */
export interface OutboxEvent {
  readonly event: EventDefinition;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface UserStore {
  findByEmail(email: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Inserts the user and the event atomically; `email-taken` if the email exists. */
  create(
    input: { readonly email: string; readonly displayName: string; readonly passwordHash: string },
    event: (user: UserRecord) => OutboxEvent,
  ): Promise<UserRecord | 'email-taken'>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Deactivates, ends sessions, revokes tokens and enqueues the event atomically; false if already inactive. */
  deactivate(id: string, at: Date, event: (user: UserRecord) => OutboxEvent): Promise<boolean>;
  /**
   * Stores a new password hash and, atomically with it, ends every session of the
   * user except `keepSessionId`, revokes every refresh family and access token, and
   * enqueues the event. Counts what it ended.
   */
  replacePassword(
    input: { readonly userId: string; readonly passwordHash: string; readonly at: Date; readonly keepSessionId: string | null },
    event: OutboxEvent,
  ): Promise<CredentialsReset>;
}

export interface CredentialsReset {
  readonly sessionsEnded: number;
  readonly familiesRevoked: number;
}
