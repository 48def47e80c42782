/** What the route plugins need to know about where and how they are served. */
export interface RouteOptions {
  /** Public issuer URL, e.g. http://localhost:8080/auth. */
  readonly issuer: string;
  /** The prefix the routes are mounted under ('' or '/auth'); must match the issuer's path. */
  readonly routePrefix: string;
  readonly cookieSecure: boolean;
  /** Registrations accepted per client IP per hour. */
  readonly registerMaxPerIpPerHour: number;
  /** The resource-server clients that may introspect tokens (RFC 7662 §4). */
  readonly introspectionClientIds: readonly string[];
}

export const SESSION_COOKIE = 'auth_session';

/** Signed, short-lived: the password step passed and the second factor is being asked for (routes/mfa). */
export const MFA_PENDING_COOKIE = 'auth_mfa';

/** How long the password step stays good while the second factor is asked for. */
export const MFA_PENDING_SECONDS = 300;

/** The password change page; also a permitted post-login destination (the web app's user menu links here). */
export const ACCOUNT_PASSWORD_PATH = '/account/password';

export function cookiePath(prefix: string): string {
  return prefix === '' ? '/' : prefix;
}

/**
 * Only our own authorize endpoint may be a post-login destination: a relative
 * path under the prefix, so a crafted link cannot turn login into an open redirect.
 */
export function safeReturnTo(prefix: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4096) return undefined;
  if (value === `${prefix}${ACCOUNT_PASSWORD_PATH}`) return value;
  const target = `${prefix}/authorize?`;
  if (!value.startsWith(target) || /[\r\n\\]/.test(value)) return undefined;
  return value;
}
