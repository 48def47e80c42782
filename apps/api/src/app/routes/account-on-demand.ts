import type { FastifyInstance } from 'fastify';
import { AppError } from '@flotilla/service-kit';
import type { LedgerAccount } from '../../domain/ledger/ports';
import type { Principal } from '../plugins/app/authentication';
import { toHttpError } from '../http-errors';

/**
 * The caller's account. Before user.registered has been consumed, it is opened
 * from the identity the caller presented (the session's ID token, or email/name
 * claims on a Bearer token) through the same idempotent use case the consumer
 * runs; without an email there is nothing to open it with, hence 409.
 */
export async function accountFor(app: FastifyInstance, principal: Principal): Promise<LedgerAccount> {
  const existing = await app.ledger.accounts.findByUserId(principal.userId);
  if (existing) return existing;
  if (!principal.email) {
    throw new AppError(409, 'ACCOUNT_NOT_READY', 'Your account is being opened; retry in a moment');
  }
  try {
    const { account } = await app.ledger.openAccount({
      userId: principal.userId,
      email: principal.email,
      displayName: principal.displayName ?? principal.email,
    });
    return account;
  } catch (error) {
    throw toHttpError(error);
  }
}
