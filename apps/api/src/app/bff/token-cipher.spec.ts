import { randomBytes } from 'node:crypto';
import { createTokenCipher } from './token-cipher';

describe('token cipher', () => {
  const cipher = createTokenCipher(randomBytes(32));

  it('when a token is sealed, then only the same key opens it and the ciphertext does not contain it', () => {
    const sealed = cipher.encrypt('eyJhbGciOi.secret-token');

    expect(sealed).not.toContain('secret-token');
    expect(cipher.decrypt(sealed)).toBe('eyJhbGciOi.secret-token');
    expect(() => createTokenCipher(randomBytes(32)).decrypt(sealed)).toThrow();
  });

  it('when the ciphertext is tampered with, then decryption fails', () => {
    const [v, iv, ct, tag] = cipher.encrypt('token').split('.');
    const flipped = `${ct?.[0] === 'A' ? 'B' : 'A'}${ct?.slice(1)}`;

    expect(() => cipher.decrypt([v, iv, flipped, tag].join('.'))).toThrow();
  });

  it('when a CSRF token is checked, then only the one derived for that session passes', () => {
    const token = cipher.csrfTokenFor('a'.repeat(64));

    expect(cipher.verifyCsrfToken('a'.repeat(64), token)).toBe(true);
    expect(cipher.verifyCsrfToken('b'.repeat(64), token)).toBe(false);
    expect(cipher.verifyCsrfToken('a'.repeat(64), `${token}x`)).toBe(false);
  });

  it('when the key is not 32 bytes, then the cipher refuses to start', () => {
    expect(() => createTokenCipher(randomBytes(16))).toThrow(RangeError);
  });
});
