import { userDeactivatedEvent, userRegisteredEvent } from '@flotilla/contracts';
import { DomainError, type FieldProblem } from '../errors';
import { isPlausibleEmail, normaliseEmail } from './email';
import type { PasswordHasher } from './password-hasher';
import { normalisePassword, type PasswordPolicy } from './password-policy';
import type { UserRecord, UserStore } from './ports';

export interface RegistrationInput {
  readonly email: string;
  readonly displayName: string;
  readonly password: string;
}

export interface UserServiceDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly now?: () => Date;
}

export type UserService = ReturnType<typeof createUserService>;

export const DISPLAY_NAME_MAX = 100;

export function createUserService(deps: UserServiceDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Creates an account and enqueues `user.registered` in the same transaction. */
    async register(input: RegistrationInput): Promise<UserRecord> {
      const email = normaliseEmail(input.email);
      const displayName = input.displayName.normalize('NFC').trim().replace(/\s+/gu, ' ');
      const problems: FieldProblem[] = [];
      if (!isPlausibleEmail(email)) problems.push({ field: 'email', message: 'Enter a valid email address, like name@example.com.' });
      if (displayName.length === 0 || [...displayName].length > DISPLAY_NAME_MAX || /\p{Cc}/u.test(displayName)) {
        problems.push({ field: 'displayName', message: `Enter a display name of 1 to ${DISPLAY_NAME_MAX} characters.` });
      }
      if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', 'Some fields need attention.', { details: problems });
      const passwordProblems = deps.policy.check(input.password, { email, displayName });
      if (passwordProblems.length > 0) {
        throw new DomainError('WEAK_PASSWORD', passwordProblems[0].message, { details: passwordProblems });
      }

      const passwordHash = await deps.hasher.hash(normalisePassword(input.password));
      const created = await deps.users.create({ email, displayName, passwordHash }, (user) => ({
        event: userRegisteredEvent,
        payload: { userId: user.id, email: user.email, displayName: user.displayName, registeredAt: user.createdAt.toISOString() },
      }));
      if (created === 'email-taken') {
        // Registration necessarily reveals that this one address is taken; it reveals nothing else.
        throw new DomainError('EMAIL_TAKEN', 'An account with this email address already exists. Sign in instead.', {
          details: [{ field: 'email', message: 'An account with this email address already exists.' }],
        });
      }
      return created;
    },

    /** Deactivates an account: sessions end, tokens are revoked, `user.deactivated` is enqueued. */
    async deactivate(userId: string): Promise<void> {
      const at = now();
      const changed = await deps.users.deactivate(userId, at, (user) => ({
        event: userDeactivatedEvent,
        payload: { userId: user.id, deactivatedAt: at.toISOString() },
      }));
      if (!changed) throw new DomainError('USER_NOT_FOUND', 'No active account with this id.');
    },
  };
}
