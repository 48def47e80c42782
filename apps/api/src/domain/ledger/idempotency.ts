import { createHash } from 'node:crypto';
import { LedgerError } from './errors';
import type { IdempotencyClaim } from './ports';

export interface IdempotentResult<T> {
  readonly status: number;
  readonly body: T;
  /** True when the body is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

/**
 * Fingerprint of a request for Idempotency-Key comparison: the operation plus the
 * body with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` match.
 */
export function hashRequest(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The stored answer when the key was seen before; throws when it came with another body. */
export function replayOf<T>(claim: IdempotencyClaim, requestHash: string): IdempotentResult<T> | null {
  if (claim.kind === 'claimed') return null;
  if (claim.requestHash !== requestHash) {
    throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
  }
  return { status: claim.status, body: claim.body as T, replayed: true };
}
