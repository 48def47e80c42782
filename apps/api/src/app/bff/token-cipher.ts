import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * AES-256-GCM for tokens at rest in the session table, and an HMAC for the CSRF
 * token. Both are keyed by SESSION_ENCRYPTION_KEY (32 bytes), with separate
 * derived keys so one use cannot be turned into the other.
 */
export interface TokenCipher {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
  csrfTokenFor(sessionIdHash: string): string;
  verifyCsrfToken(sessionIdHash: string, presented: string): boolean;
}

export function createTokenCipher(key: Buffer): TokenCipher {
  if (key.length !== 32) throw new RangeError('SESSION_ENCRYPTION_KEY must decode to exactly 32 bytes');
  const encryptionKey = createHmac('sha256', key).update('flotilla session token encryption v1').digest();
  const csrfKey = createHmac('sha256', key).update('flotilla csrf v1').digest();

  const csrfTokenFor = (sessionIdHash: string) => createHmac('sha256', csrfKey).update(sessionIdHash).digest('base64url');

  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    decrypt(sealed) {
      const [version, iv, ciphertext, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || ciphertext === undefined || !tag) throw new Error('unknown token envelope');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
    csrfTokenFor,
    verifyCsrfToken(sessionIdHash, presented) {
      const expected = Buffer.from(csrfTokenFor(sessionIdHash));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
