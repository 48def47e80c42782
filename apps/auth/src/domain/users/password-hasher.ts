import * as argon2 from 'argon2';

/**
 * argon2id at or above OWASP's minimum (m = 19 MiB, t = 2, p = 1). The `argon2`
 * binding runs on libuv's threadpool, so hashing never blocks the event loop.
 */
export interface Argon2Options {
  readonly memoryCostKiB: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Options = { memoryCostKiB: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when a stored hash was made with weaker parameters than today's. */
  needsRehash(hash: string): boolean;
  /**
   * Spends the same time as a real verification. Called when the account does not
   * exist, so response time does not reveal which emails are registered.
   */
  verifyAgainstDummy(password: string): Promise<void>;
}

export function createPasswordHasher(options: Argon2Options = OWASP_ARGON2ID): PasswordHasher {
  if (options.memoryCostKiB < OWASP_ARGON2ID.memoryCostKiB || options.timeCost < OWASP_ARGON2ID.timeCost || options.parallelism < 1) {
    throw new RangeError('argon2id parameters below OWASP minimum (m=19456 KiB, t=2, p=1)');
  }
  const params = {
    type: argon2.argon2id,
    memoryCost: options.memoryCostKiB,
    timeCost: options.timeCost,
    parallelism: options.parallelism,
  } as const;
  let dummy: Promise<string> | undefined;

  return {
    hash: (password) => argon2.hash(password, params),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A malformed stored hash must fail closed, not throw through the login.
        return false;
      }
    },
    needsRehash: (hash) => argon2.needsRehash(hash, params),
    async verifyAgainstDummy(password) {
      dummy ??= argon2.hash('dummy password for timing equalisation', params);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
