import { createHash, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../users/password-hasher';
import type { ClientSecretVerifier } from './ports';

/**
 * Client secrets come in two kinds. A generated secret (tools/gen-secrets.sh
 * writes 43 base64url characters, 256 random bits) cannot be guessed, so a slow
 * hash adds nothing but CPU on every /token call; it is stored as its SHA-256
 * digest and compared in constant time. A secret a person chose may be
 * guessable, so it keeps argon2id, like a password (ASVS 5.0 V11.4.2, V13.3.x;
 * RFC 6819 §5.1.4.1.3).
 */
export const SHA256_PREFIX = 'sha256:';
/** Below this a secret is not treated as generated: 32 characters of base64url are 192 bits. */
export const GENERATED_SECRET_MIN_LENGTH = 32;

const digest = (secret: string) =>
  createHash('sha256').update(secret, 'utf8').digest();

export type SecretOrigin = 'generated' | 'chosen';

export interface ClientSecretHasher extends ClientSecretVerifier {
  hash(secret: string, origin?: SecretOrigin): Promise<string>;
}

export function createClientSecretHasher(
  passwords: PasswordHasher,
): ClientSecretHasher {
  const dummy = digest('dummy client secret for timing equalisation');
  return {
    async hash(secret, origin = 'generated') {
      if (
        origin === 'generated' &&
        secret.length >= GENERATED_SECRET_MIN_LENGTH
      ) {
        return SHA256_PREFIX + digest(secret).toString('base64url');
      }
      return passwords.hash(secret);
    },
    async verify(stored, presented) {
      if (!stored.startsWith(SHA256_PREFIX))
        return passwords.verify(stored, presented);
      const expected = Buffer.from(
        stored.slice(SHA256_PREFIX.length),
        'base64url',
      );
      const actual = digest(presented);
      // Both are 32 bytes unless the stored value is damaged; a damaged one fails closed.
      return (
        expected.length === actual.length && timingSafeEqual(expected, actual)
      );
    },
    async verifyAgainstDummy(presented) {
      // An unknown client id costs what a generated-secret client costs: no argon2 for anyone who asks.
      timingSafeEqual(dummy, digest(presented));
    },
  };
}
