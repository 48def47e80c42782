import { IDEMPOTENCY_KEY_PATTERN } from '@flotilla/contracts';

const keyPattern = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/**
 * A fresh key: 'web-' + 144 random bits in base64url, 28 characters, matching
 * the API's pattern. getRandomValues rather than randomUUID: the latter exists
 * only in secure contexts, and the stack may be reached over plain http by a
 * host name other than localhost.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const base64url = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
  const key = `web-${base64url}`;
  if (!keyPattern.test(key)) throw new Error('Idempotency key does not match the API pattern');
  return key;
}

/**
 * One key per logical submission: resubmitting the same payload (double click,
 * retry after a timeout) reuses the key, so the server applies it at most once;
 * changing the payload starts a new submission with a new key.
 */
export function createSubmissionKeys() {
  let current: { key: string; fingerprint: string } | undefined;
  return {
    keyFor(payload: unknown): string {
      const fingerprint = JSON.stringify(payload);
      if (current?.fingerprint !== fingerprint) current = { key: newIdempotencyKey(), fingerprint };
      return current.key;
    },
    /** After a definite outcome (success, or a refusal that changed nothing) the next send is a new submission. */
    reset(): void {
      current = undefined;
    },
  };
}
