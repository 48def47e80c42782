/**
 * Business limits shared by the API (which enforces them) and the web app
 * (which validates as you type with the same numbers). Minor units: 100 = 1.00.
 */
export const MAX_TRANSFER_MINOR = 1_000_000; // 10,000.00 per transfer
export const MAX_DEPOSIT_MINOR = 100_000; // 1,000.00 per deposit
export const DAILY_DEPOSIT_LIMIT_MINOR = 500_000; // 5,000.00 per user per UTC day
export const NOTE_MAX_LENGTH = 140;
export const HISTORY_PAGE_MAX = 100;
export const HISTORY_PAGE_DEFAULT = 20;
/** How long an Idempotency-Key is remembered (documented in the API's OpenAPI). */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9_-]{16,128}$';
