import { createHash } from 'node:crypto';
import { constantTimeEqual } from './crypto';

// RFC 7636 §4.1: 43–128 characters from the unreserved set.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// S256 challenges are base64url(SHA-256) = exactly 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function isValidS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** RFC 7636 §4.6 with S256: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function verifyS256(codeVerifier: string, codeChallenge: string): boolean {
  if (!isValidCodeVerifier(codeVerifier) || !isValidS256Challenge(codeChallenge)) return false;
  const computed = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
  return constantTimeEqual(computed, codeChallenge);
}
