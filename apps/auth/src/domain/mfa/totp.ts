import { userMfaChangedEvent } from '@flotilla/contracts';
import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { DomainError } from '../errors';
import { decide, type ThrottleLimits } from '../login/throttle';
import { sha256Hex } from '../oauth/crypto';
import type { OutboxEvent } from '../users/ports';

/** RFC 6238 defaults, the ones every authenticator app supports. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
export const RECOVERY_CODE_COUNT = 10;

export interface TotpRecord {
  readonly secret: string;
  readonly confirmed: boolean;
  readonly lastUsedStep: number | null;
}

export interface TotpStore {
  find(userId: string): Promise<TotpRecord | undefined>;
  /** Stores a new unconfirmed secret, unless a confirmed one exists (then false). */
  savePending(userId: string, secret: string, at: Date): Promise<boolean>;
  /** Confirms the pending secret at `step`, stores the recovery code hashes and the event, atomically. */
  confirm(userId: string, step: number, codeHashes: readonly string[], at: Date, event: OutboxEvent): Promise<boolean>;
  /** Records `step` as used if it is later than the last used one; false when it is not (a replay). */
  useStep(userId: string, step: number): Promise<boolean>;
  /** Spends an unused recovery code; false when there is none with this hash. */
  useRecoveryCode(userId: string, codeHash: string, at: Date): Promise<boolean>;
}

/** Failed second-factor checks, keyed by user id and by client IP. */
export interface MfaAttemptStore {
  nthRecentFailure(key: { userId: string } | { ip: string }, n: number, since: Date): Promise<Date | undefined>;
  record(attempt: { readonly userId: string; readonly ip: string; readonly succeeded: boolean; readonly at: Date }): Promise<void>;
}

export interface TotpServiceDeps {
  readonly store: TotpStore;
  readonly attempts: MfaAttemptStore;
  readonly limits: ThrottleLimits;
  /** Shown in the authenticator app. */
  readonly issuerName: string;
  readonly now?: () => Date;
}

export type TotpService = ReturnType<typeof createTotpService>;

function totpFor(secret: string, label = 'Flotilla', issuer = 'Flotilla') {
  return new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secret) });
}

/** Recovery codes: 10 characters of Crockford-like base32 (50 bits), shown as xxxxx-xxxxx. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte % ALPHABET.length];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export function normaliseRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * TOTP second factor (ASVS 5.0 6.3.3; RFC 6238 with one step of clock drift either
 * way). A code is accepted once: its time step must be later than the last one
 * accepted (RFC 6238 §5.2), so a code seen over a shoulder is useless even inside
 * its 30 seconds. Failures are throttled per user and per client IP with the
 * login throttle's sliding window.
 */
export function createTotpService(deps: TotpServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const limits = deps.limits;

  /** The accepted step for `code`, or undefined. */
  function stepOf(secret: string, code: string, at: Date): number | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const delta = totpFor(secret).validate({ token: code, timestamp: at.getTime(), window: 1 });
    if (delta === null) return undefined;
    return Math.floor(at.getTime() / 1000 / PERIOD_SECONDS) + delta;
  }

  async function throttled(userId: string, ip: string, at: Date) {
    const since = new Date(at.getTime() - limits.windowSeconds * 1000);
    const [user, address] = await Promise.all([
      deps.attempts.nthRecentFailure({ userId }, limits.accountMaxFailures, since),
      deps.attempts.nthRecentFailure({ ip }, limits.ipMaxFailures, since),
    ]);
    // The same sliding-window decision as sign-in's (domain/login/throttle.ts).
    return decide([user, address], limits.windowSeconds, at);
  }

  return {
    async isEnabled(userId: string): Promise<boolean> {
      return (await deps.store.find(userId))?.confirmed ?? false;
    },

    /** A new secret to scan; replaces an earlier unconfirmed one. */
    async beginEnrolment(user: { id: string; email: string }): Promise<{ secret: string; uri: string }> {
      const secret = new OTPAuth.Secret({ size: 20 }).base32;
      const saved = await deps.store.savePending(user.id, secret, now());
      if (!saved) throw new DomainError('VALIDATION_FAILED', 'Two-factor authentication is already on for this account.');
      return { secret, uri: totpFor(secret, user.email, deps.issuerName).toString() };
    },

    /** The pending secret again (to re-show the page after a wrong code). */
    async pending(user: { id: string; email: string }): Promise<{ secret: string; uri: string } | undefined> {
      const record = await deps.store.find(user.id);
      if (!record || record.confirmed) return undefined;
      return { secret: record.secret, uri: totpFor(record.secret, user.email, deps.issuerName).toString() };
    },

    /** Confirms enrolment with a first valid code; returns the recovery codes, shown once. */
    async confirmEnrolment(userId: string, code: string, ip: string): Promise<string[]> {
      const at = now();
      const decision = await throttled(userId, ip, at);
      if (!decision.allowed) {
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes. Try again later.', { retryAfterSeconds: decision.retryAfterSeconds });
      }
      const record = await deps.store.find(userId);
      const step = record && !record.confirmed ? stepOf(record.secret, code.trim(), at) : undefined;
      if (step === undefined) {
        await deps.attempts.record({ userId, ip, succeeded: false, at });
        throw new DomainError('INVALID_CREDENTIALS', 'That code is not right. Enter the current 6-digit code from the app.', {
          details: [{ field: 'code', message: 'That code is not right. Enter the current 6-digit code from the app.' }],
        });
      }
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      const confirmed = await deps.store.confirm(
        userId,
        step,
        codes.map((c) => sha256Hex(normaliseRecoveryCode(c))),
        at,
        { event: userMfaChangedEvent, payload: { userId, method: 'totp', enabled: true, changedAt: at.toISOString() } },
      );
      if (!confirmed) throw new DomainError('VALIDATION_FAILED', 'Two-factor authentication is already on for this account.');
      await deps.attempts.record({ userId, ip, succeeded: true, at });
      return codes;
    },

    /**
     * The second step of sign-in: a TOTP code of a step not used before, or an unused
     * recovery code. Returns the amr method it proved.
     */
    async verify(userId: string, code: string, ip: string): Promise<'otp'> {
      const at = now();
      const decision = await throttled(userId, ip, at);
      if (!decision.allowed) {
        throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many wrong codes. Try again later.', { retryAfterSeconds: decision.retryAfterSeconds });
      }
      const record = await deps.store.find(userId);
      let ok = false;
      if (record?.confirmed) {
        const trimmed = code.trim();
        const step = stepOf(record.secret, trimmed, at);
        if (step !== undefined) ok = await deps.store.useStep(userId, step);
        else if (normaliseRecoveryCode(trimmed).length === 10) {
          ok = await deps.store.useRecoveryCode(userId, sha256Hex(normaliseRecoveryCode(trimmed)), at);
        }
      }
      await deps.attempts.record({ userId, ip, succeeded: ok, at });
      if (!ok) {
        throw new DomainError('INVALID_CREDENTIALS', 'That code is not right, or it was already used.', {
          details: [{ field: 'code', message: 'That code is not right, or it was already used.' }],
        });
      }
      // RFC 8176: "otp" for a one-time password, whether from the app or a recovery code.
      return 'otp';
    },
  };
}
