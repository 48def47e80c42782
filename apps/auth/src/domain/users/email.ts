/**
 * One spelling per mailbox, so uniqueness holds: Unicode NFC, trimmed, lower-cased.
 * Lower-casing the local part is not RFC 5321-exact, but no mainstream provider
 * distinguishes case, and treating `Bob@x` and `bob@x` as two accounts invites takeover.
 * Provider-specific rewrites (dots, +tags) are not applied: they are not universal.
 */
export function normaliseEmail(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}

// Deliberately loose (one @, a dot in the domain, no spaces): the real check is the
// mailbox working, and strict RFC 5322 regexes reject valid addresses.
const SHAPE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u;

export function isPlausibleEmail(normalised: string): boolean {
  return normalised.length >= 3 && normalised.length <= 254 && SHAPE.test(normalised);
}
