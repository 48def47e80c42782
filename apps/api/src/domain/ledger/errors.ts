/**
 * Refusals a ledger use case can return. Each code is stable and documented in
 * the OpenAPI; the HTTP layer maps it to a status, the domain knows no protocol.
 */
export type LedgerErrorCode =
  | 'ACCOUNT_NOT_READY'
  | 'ACCOUNT_FROZEN'
  | 'RECIPIENT_NOT_FOUND'
  | 'SELF_TRANSFER'
  | 'INSUFFICIENT_FUNDS'
  | 'CURRENCY_MISMATCH'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'DAILY_DEPOSIT_LIMIT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_CURSOR'
  | 'EMAIL_TAKEN';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';

  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
