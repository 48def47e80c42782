import { DomainError } from '../errors';
import { normaliseEmail } from '../users/email';
import type { PasswordHasher } from '../users/password-hasher';
import { normalisePassword } from '../users/password-policy';
import type { UserRecord, UserStore } from '../users/ports';
import { checkThrottle, type LoginAttemptStore, type ThrottleLimits } from './throttle';

export interface LoginServiceDeps {
  readonly users: UserStore;
  readonly attempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly limits: ThrottleLimits;
  /** Longest password accepted at login; longer input is refused before hashing. */
  readonly maxPasswordLength: number;
  readonly now?: () => Date;
}

export type LoginService = ReturnType<typeof createLoginService>;

export function createLoginService(deps: LoginServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const invalid = () => new DomainError('INVALID_CREDENTIALS', 'The email or password is incorrect.');

  return {
    /**
     * Checks a password. Every failure looks the same to the caller, whether the
     * account exists or not, and takes about the same time (a dummy hash is verified).
     */
    async verifyPassword(input: { email: string; password: string; ip: string }): Promise<UserRecord> {
      const email = normaliseEmail(input.email).slice(0, 254);
      const at = now();
      const password = normalisePassword(input.password);
      const plausible = [...password].length <= deps.maxPasswordLength && email.length > 0;
      // Both at once: the throttle decides, the account is only used if allowed. The
      // attempt is reserved (counted as a failure) before argon2 runs, so N concurrent
      // guesses cannot all slip under the limit (ASVS 5.0 6.3.1).
      const [{ decision, attemptId }, user] = await Promise.all([
        deps.attempts.reserve({ email, ip: input.ip, at }, (store) => checkThrottle(store, deps.limits, email, input.ip, at)),
        plausible ? deps.users.findByEmail(email) : Promise.resolve(undefined),
      ]);
      if (!decision.allowed || attemptId === undefined) {
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many failed sign-in attempts. Try again later.', {
          retryAfterSeconds: decision.allowed ? 1 : decision.retryAfterSeconds,
        });
      }
      let ok = false;
      if (user && user.active) ok = await deps.hasher.verify(user.passwordHash, password);
      else await deps.hasher.verifyAgainstDummy(password.slice(0, 256));

      if (ok) await deps.attempts.settle(attemptId, true);
      if (!ok || !user) throw invalid();
      if (deps.hasher.needsRehash(user.passwordHash)) {
        await deps.users.updatePasswordHash(user.id, await deps.hasher.hash(password));
      }
      return user;
    },
  };
}
