import { userMfaChangedEvent, userPasswordChangedEvent } from '@flotilla/contracts';
import { DomainError } from '../errors';
import { checkThrottle, type LoginAttemptStore } from '../login/throttle';
import { randomToken, sha256Hex } from '../oauth/crypto';
import { isPlausibleEmail, normaliseEmail } from './email';
import type { PasswordHasher } from './password-hasher';
import { normalisePassword, type PasswordPolicy } from './password-policy';
import type { CredentialsReset, OutboxEvent, UserRecord, UserStore } from './ports';

/** Sends one message; rejects if the SMTP server did not accept it. */
export interface Mailer {
  send(message: { readonly to: string; readonly subject: string; readonly text: string }): Promise<void>;
}

export interface ResetTokenStore {
  create(token: { readonly id: string; readonly userId: string; readonly at: Date; readonly expiresAt: Date }): Promise<void>;
  /** The user of a token that is unused and unexpired at `at`; undefined otherwise. */
  findLive(id: string, at: Date): Promise<string | undefined>;
  /**
   * In one transaction: spends the token (only if still unused and unexpired), spends
   * every other token of the user, and replaces the password as UserStore.replacePassword
   * does with no session kept, and removes the user's passkeys (with `passkeysRemoved`
   * enqueued when there were any): a passkey planted through a stolen session does not
   * outlive the recovery. 'spent' when the token was no longer live.
   */
  consume(
    input: { readonly id: string; readonly passwordHash: string; readonly at: Date },
    event: (userId: string) => OutboxEvent,
    passkeysRemoved: (userId: string) => OutboxEvent,
  ): Promise<(CredentialsReset & { readonly userId: string }) | 'spent'>;
}

export interface ResetLimits {
  readonly tokenTtlSeconds: number;
  readonly maxPerAccount: number;
  readonly maxPerIp: number;
  readonly windowSeconds: number;
}

/** The reset request log: the login throttle's counting, without its reservations. */
export type ResetRequestLog = Pick<LoginAttemptStore, 'nthRecentFailure' | 'record'>;

export interface ResetPasswordDeps {
  readonly users: UserStore;
  readonly tokens: ResetTokenStore;
  /** Every request counts, known address or not: the throttle cannot reveal which exist. */
  readonly requests: ResetRequestLog;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly mailer: Mailer;
  readonly limits: ResetLimits;
  /** Absolute URL of the reset page; the token is added as `?token=`. */
  readonly resetUrl: string;
  /** Runs the lookup and the mail after the answer is sent; the caller tracks and logs it. */
  readonly background: (work: () => Promise<void>) => void;
  readonly now?: () => Date;
}

export type PasswordReset = ReturnType<typeof createPasswordReset>;

/**
 * Password reset by email, ASVS 5.0 6.4.1 (a random, single-use, time-limited secret
 * sent out of band) and 6.4.2 (no hints; the answer is the same for every address).
 * The request path does the same work for a known and an unknown address, throttle
 * check and one insert, and hands the account lookup and the SMTP exchange to the
 * background, so neither the answer nor its timing depends on the account existing.
 */
export function createPasswordReset(deps: ResetPasswordDeps) {
  const now = deps.now ?? (() => new Date());
  const spent = () => new DomainError('INVALID_RESET_TOKEN', 'This reset link has expired or was already used. Ask for a new one.');
  const limits = {
    accountMaxFailures: deps.limits.maxPerAccount,
    ipMaxFailures: deps.limits.maxPerIp,
    windowSeconds: deps.limits.windowSeconds,
  };

  async function sendLink(user: UserRecord, at: Date): Promise<void> {
    const token = randomToken();
    await deps.tokens.create({
      id: sha256Hex(token),
      userId: user.id,
      at,
      expiresAt: new Date(at.getTime() + deps.limits.tokenTtlSeconds * 1000),
    });
    const url = new URL(deps.resetUrl);
    url.searchParams.set('token', token);
    const minutes = Math.floor(deps.limits.tokenTtlSeconds / 60);
    await deps.mailer.send({
      to: user.email,
      subject: 'Reset your Flotilla password',
      text: [
        `Hello ${user.displayName},`,
        '',
        'Someone asked to reset the password of your Flotilla account. To choose a new password, open this link:',
        '',
        url.toString(),
        '',
        `The link works once, for ${minutes} minutes. Setting a new password signs you out everywhere.`,
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ].join('\n'),
    });
  }

  return {
    async request(input: { email: string; ip: string }): Promise<void> {
      const email = normaliseEmail(input.email);
      if (!isPlausibleEmail(email)) {
        throw new DomainError('VALIDATION_FAILED', 'Enter a valid email address, like name@example.com.', {
          details: [{ field: 'email', message: 'Enter a valid email address, like name@example.com.' }],
        });
      }
      const at = now();
      const decision = await checkThrottle(deps.requests, limits, email, input.ip, at);
      if (!decision.allowed) {
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many reset requests. Try again later.', { retryAfterSeconds: decision.retryAfterSeconds });
      }
      await deps.requests.record({ email, ip: input.ip, succeeded: false, at });
      deps.background(async () => {
        const user = await deps.users.findByEmail(email);
        if (user && user.active) await sendLink(user, at);
      });
    },

    /** Whether a link is still usable, to show the form or say it is spent. */
    async check(token: string): Promise<boolean> {
      if (!token || token.length > 100) return false;
      return (await deps.tokens.findLive(sha256Hex(token), now())) !== undefined;
    },

    /** Sets the new password; every session ends, every refresh family is revoked and the passkeys are removed. */
    async reset(input: { token: string; newPassword: string }): Promise<CredentialsReset & { readonly userId: string }> {
      if (!input.token || input.token.length > 100) throw spent();
      const id = sha256Hex(input.token);
      const userId = await deps.tokens.findLive(id, now());
      const user = userId && (await deps.users.findById(userId));
      if (!user || !user.active) throw spent();
      const problems = deps.policy.check(input.newPassword, { email: user.email, displayName: user.displayName });
      if (problems.length > 0) {
        throw new DomainError('WEAK_PASSWORD', problems[0].message, {
          details: problems.map((p) => ({ field: 'newPassword', message: p.message })),
        });
      }
      const passwordHash = await deps.hasher.hash(normalisePassword(input.newPassword));
      const at = now();
      const result = await deps.tokens.consume({ id, passwordHash, at }, (uid) => ({
        event: userPasswordChangedEvent,
        payload: { userId: uid, changedAt: at.toISOString(), reason: 'reset' },
      }), (uid) => ({
        event: userMfaChangedEvent,
        payload: { userId: uid, method: 'webauthn', enabled: false, changedAt: at.toISOString() },
      }));
      // A second use racing the first loses here, inside the transaction.
      if (result === 'spent') throw spent();
      return result;
    },
  };
}
