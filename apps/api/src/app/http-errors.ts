import { AppError } from '@flotilla/service-kit';
import { isLedgerError, type LedgerErrorCode } from '../domain/ledger/errors';

const STATUS: Record<LedgerErrorCode, number> = {
  ACCOUNT_NOT_READY: 409,
  ACCOUNT_FROZEN: 403,
  RECIPIENT_NOT_FOUND: 404,
  SELF_TRANSFER: 422,
  INSUFFICIENT_FUNDS: 422,
  CURRENCY_MISMATCH: 422,
  AMOUNT_OUT_OF_RANGE: 400,
  DAILY_DEPOSIT_LIMIT: 422,
  IDEMPOTENCY_KEY_REUSED: 409,
  INVALID_CURSOR: 400,
  EMAIL_TAKEN: 409,
};

/**
 * PostgreSQL conditions that mean "try again later", not "your request is bad":
 * statement/lock timeout, serialization failure, deadlock, too many connections,
 * connection failures (SQLSTATE classes 08 and 57P).
 */
const TRANSIENT_SQLSTATE = /^(57014|55P03|40001|40P01|53300|08\w{3}|57P0\d)$/;

/** Turns a domain refusal or a transient database failure into the API's error shape. */
export function toHttpError(error: unknown): unknown {
  if (isLedgerError(error)) return new AppError(STATUS[error.code], error.code, error.message);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATE.test(code)) {
    return new AppError(503, 'SERVICE_UNAVAILABLE', 'The ledger is busy; retry shortly', undefined, { cause: error });
  }
  if (error instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(error.message)) {
    return new AppError(503, 'SERVICE_UNAVAILABLE', 'The ledger is busy; retry shortly', undefined, { cause: error });
  }
  return error;
}
