import { LedgerError } from './errors';

/**
 * Amounts cross the HTTP edge as JSON integers (bounded by the contracts well
 * inside Number.MAX_SAFE_INTEGER) and are computed as bigint from here on, so no
 * arithmetic on money is ever done in floating point.
 */
export function toMinorUnits(amount: number, max: number): bigint {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > max) {
    throw new LedgerError('AMOUNT_OUT_OF_RANGE', `amount must be an integer between 1 and ${max} minor units`);
  }
  return BigInt(amount);
}

/** Back to a JSON number; every balance the ledger can reach is a safe integer. */
export function toJsonAmount(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount ${value} is outside the safe integer range`);
  }
  return Number(value);
}

export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Emails are compared lower-cased and trimmed (contracts: EmailSchema). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
