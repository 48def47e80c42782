/**
 * Sliding-window login throttling (ASVS 5.0 6.3.1). Failures are counted per
 * normalised email (existing or not, so throttling reveals no accounts) and per
 * client IP. The defaults are far below ASVS's ceiling of 100 failures an hour.
 */
export interface ThrottleLimits {
  readonly accountMaxFailures: number;
  readonly ipMaxFailures: number;
  readonly windowSeconds: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = { accountMaxFailures: 10, ipMaxFailures: 100, windowSeconds: 15 * 60 };

export type ThrottleKey = { readonly email: string } | { readonly ip: string };

export interface LoginAttemptStore {
  /**
   * The time of the `nth` most recent failure for the key after `since`, or
   * undefined if there are fewer than n. Once that failure leaves the window, the
   * key is below its limit again.
   */
  nthRecentFailure(key: ThrottleKey, n: number, since: Date): Promise<Date | undefined>;
  record(attempt: { readonly email: string; readonly ip: string; readonly succeeded: boolean; readonly at: Date }): Promise<void>;
  /**
   * Runs `check` and, when it allows the attempt, records it as a failure before
   * returning, with every other reservation for the same email or IP waiting
   * meanwhile. The password check comes after, so concurrent attempts cannot all
   * pass the limit while argon2 runs. `settle` marks the attempt succeeded.
   */
  reserve(
    attempt: { readonly email: string; readonly ip: string; readonly at: Date },
    check: (store: Pick<LoginAttemptStore, 'nthRecentFailure'>) => Promise<ThrottleDecision>,
  ): Promise<{ readonly decision: ThrottleDecision; readonly attemptId?: string }>;
  settle(attemptId: string, succeeded: boolean): Promise<void>;
}

export type ThrottleDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export async function checkThrottle(
  store: Pick<LoginAttemptStore, 'nthRecentFailure'>,
  limits: ThrottleLimits,
  email: string,
  ip: string,
  now: Date,
): Promise<ThrottleDecision> {
  const since = new Date(now.getTime() - limits.windowSeconds * 1000);
  const [account, address] = await Promise.all([
    store.nthRecentFailure({ email }, limits.accountMaxFailures, since),
    store.nthRecentFailure({ ip }, limits.ipMaxFailures, since),
  ]);
  return decide([account, address], limits.windowSeconds, now);
}

export function decide(limiting: readonly (Date | undefined)[], windowSeconds: number, now: Date): ThrottleDecision {
  const blockedUntil = limiting
    .filter((d): d is Date => d !== undefined)
    .map((d) => d.getTime() + windowSeconds * 1000)
    .filter((t) => t > now.getTime());
  if (blockedUntil.length === 0) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((Math.max(...blockedUntil) - now.getTime()) / 1000)) };
}
