import { DEFAULT_CURRENCY } from '@flotilla/contracts';
import { LedgerError } from './errors';
import { normaliseEmail } from './money';
import type { LedgerAccount, NewAccount } from './ports';

export interface AccountStore {
  findByUserId(userId: string): Promise<LedgerAccount | null>;
  /** Inserts unless a row for the user (or the email) exists; never updates. */
  insertIfAbsent(account: NewAccount): Promise<void>;
  /**
   * Records the deactivation (kept even when no account exists yet) and freezes the
   * account; the store keeps any account of a deactivated user frozen from then on.
   */
  deactivate(userId: string, deactivatedAt: Date): Promise<{ frozen: boolean }>;
}

export interface OpenAccountInput {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
}

/**
 * Opens the user's account, or returns the one already open: the consumer of
 * user.registered and the on-demand path of GET /api/account both call this, so
 * however often and in whatever order they run, there is one account per user,
 * and a deactivated user's account is opened (if at all) frozen.
 */
export function createOpenAccount({ accounts }: { accounts: AccountStore }) {
  return async function openAccount(input: OpenAccountInput): Promise<{ account: LedgerAccount; created: boolean }> {
    const existing = await accounts.findByUserId(input.userId);
    if (existing) return { account: existing, created: false };
    await accounts.insertIfAbsent({
      userId: input.userId,
      email: normaliseEmail(input.email),
      displayName: input.displayName.trim().slice(0, 100) || normaliseEmail(input.email),
      currency: DEFAULT_CURRENCY,
    });
    const account = await accounts.findByUserId(input.userId);
    if (!account) throw new LedgerError('EMAIL_TAKEN', 'another account is already registered with this email');
    return { account, created: true };
  };
}
