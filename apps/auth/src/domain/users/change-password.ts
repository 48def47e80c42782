import { userPasswordChangedEvent } from '@flotilla/contracts';
import { DomainError } from '../errors';
import type { LoginService } from '../login/login-service';
import type { PasswordHasher } from './password-hasher';
import { normalisePassword, type PasswordPolicy } from './password-policy';
import type { CredentialsReset, UserStore } from './ports';

export interface ChangePasswordDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  /** The sign-in check: the current password is verified, and throttled, exactly like a sign-in. */
  readonly login: Pick<LoginService, 'verifyPassword'>;
  readonly now?: () => Date;
}

export interface ChangePasswordInput {
  readonly email: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly ip: string;
  /** The provider session the change is made from: kept alive if it is this user's; null ends them all. */
  readonly currentSession: { readonly id: string; readonly userId: string } | null;
}

export type ChangePassword = ReturnType<typeof createChangePassword>;

/**
 * ASVS 5.0 6.2.2 (the user can change their password) and 6.2.3 (the change needs
 * the current and the new password). The new password meets the registration
 * policy. Afterwards only the session the change was made from survives: a
 * session or refresh token an attacker holds dies with the old password.
 */
export function createChangePassword(deps: ChangePasswordDeps) {
  const now = deps.now ?? (() => new Date());

  return async function changePassword(input: ChangePasswordInput): Promise<CredentialsReset & { readonly userId: string }> {
    let user;
    try {
      user = await deps.login.verifyPassword({ email: input.email, password: input.currentPassword, ip: input.ip });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'INVALID_CREDENTIALS') {
        throw new DomainError('INVALID_CREDENTIALS', 'The current password is incorrect.', {
          details: [{ field: 'currentPassword', message: 'The current password is incorrect.' }],
        });
      }
      throw error;
    }
    const problems = deps.policy.check(input.newPassword, { email: user.email, displayName: user.displayName });
    if (problems.length > 0) {
      throw new DomainError('WEAK_PASSWORD', problems[0].message, {
        details: problems.map((p) => ({ field: 'newPassword', message: p.message })),
      });
    }
    if (normalisePassword(input.newPassword) === normalisePassword(input.currentPassword)) {
      const message = 'The new password must differ from the current one.';
      throw new DomainError('WEAK_PASSWORD', message, { details: [{ field: 'newPassword', message }] });
    }
    const at = now();
    const passwordHash = await deps.hasher.hash(normalisePassword(input.newPassword));
    const result = await deps.users.replacePassword(
      { userId: user.id, passwordHash, at, keepSessionId: input.currentSession?.userId === user.id ? input.currentSession.id : null },
      { event: userPasswordChangedEvent, payload: { userId: user.id, changedAt: at.toISOString(), reason: 'changed' } },
    );
    return { userId: user.id, ...result };
  };
}
