import {
  createPasswordHasher,
  type PasswordHasher,
} from '../users/password-hasher';
import { createClientSecretHasher, SHA256_PREFIX } from './client-secret';

/** The real argon2id hasher, counting its calls. */
function countingHasher() {
  const real = createPasswordHasher();
  const calls = { hash: 0, verify: 0, dummy: 0 };
  const hasher: PasswordHasher = {
    hash: (p) => ((calls.hash += 1), real.hash(p)),
    verify: (h, p) => ((calls.verify += 1), real.verify(h, p)),
    needsRehash: (h) => real.needsRehash(h),
    verifyAgainstDummy: (p) => ((calls.dummy += 1), real.verifyAgainstDummy(p)),
  };
  return { hasher, calls };
}

const GENERATED = 'kQ3v9XwR2mTz7LpN4bYh8Fs6DcJ1AeGuVn5oWq0iSx';

describe('client secret hasher', () => {
  it('when a generated secret is stored, then it is a SHA-256 digest and argon2 is never called to make or check it', async () => {
    const { hasher, calls } = countingHasher();
    const secrets = createClientSecretHasher(hasher);
    const stored = await secrets.hash(GENERATED);
    expect(stored).toMatch(new RegExp(`^${SHA256_PREFIX}[A-Za-z0-9_-]{43}$`));
    await expect(secrets.verify(stored, GENERATED)).resolves.toBe(true);
    await expect(secrets.verify(stored, `${GENERATED}x`)).resolves.toBe(false);
    await expect(secrets.verify(stored, '')).resolves.toBe(false);
    await secrets.verifyAgainstDummy('whatever');
    expect(calls).toEqual({ hash: 0, verify: 0, dummy: 0 });
  });

  it('when a secret was chosen by a person (or is short), then it is argon2id and checked with argon2', async () => {
    const { hasher, calls } = countingHasher();
    const secrets = createClientSecretHasher(hasher);
    const chosen = await secrets.hash(
      'correct horse battery staple and more words',
      'chosen',
    );
    const short = await secrets.hash('short-secret');
    expect(chosen).toMatch(/^\$argon2id\$/);
    expect(short).toMatch(/^\$argon2id\$/);
    await expect(
      secrets.verify(chosen, 'correct horse battery staple and more words'),
    ).resolves.toBe(true);
    await expect(secrets.verify(short, 'short-secreT')).resolves.toBe(false);
    expect(calls.verify).toBe(2);
  });

  it('when an existing row still holds an argon2id hash of a generated secret, then it still verifies (rows made before the change)', async () => {
    const { hasher } = countingHasher();
    const secrets = createClientSecretHasher(hasher);
    const legacy = await hasher.hash(GENERATED);
    await expect(secrets.verify(legacy, GENERATED)).resolves.toBe(true);
  });

  it('when a stored digest is damaged, then verification fails closed', async () => {
    const secrets = createClientSecretHasher(countingHasher().hasher);
    await expect(
      secrets.verify(`${SHA256_PREFIX}AAAA`, GENERATED),
    ).resolves.toBe(false);
  });
});
