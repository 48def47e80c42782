import type { FastifyReply } from 'fastify';
import { hostCookie, type HostCookie } from '@flotilla/service-kit';

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
  /** How long the passkey ceremony cookie (and its challenge) lives. */
  readonly webauthnCeremonySeconds: number;
}

/**
 * The auth service's cookies: `__Host-` names with Path=/ when COOKIE_SECURE
 * (service-kit hostCookie), bare names over plain-http development.
 * `mfaPending` is signed and short-lived: the password step passed and the
 * second factor is being asked for (routes/mfa). `csrf` is @fastify/csrf-protection's secret.
 */
export function authCookies(secure: boolean) {
  return {
    session: { ...hostCookie('auth_session', secure), sameSite: 'lax' as const },
    mfaPending: { ...hostCookie('auth_mfa', secure), sameSite: 'lax' as const },
    csrf: hostCookie('auth_csrf', secure),
    // A passkey ceremony in progress: the random token whose hash keys its server-side challenge (routes/passkeys).
    webauthn: { ...hostCookie('auth_webauthn', secure), sameSite: 'strict' as const },
  };
}

/** An auth cookie this service sets itself: its name, scope and SameSite. */
export type AuthCookie = HostCookie & { readonly sameSite: 'lax' | 'strict' };

/** The attributes an auth cookie is set with; `maxAge`/`signed` are added where they apply. */
export const cookieAttributes = (cookie: AuthCookie) =>
  ({ httpOnly: true, sameSite: cookie.sameSite, secure: cookie.secure, path: cookie.path }) as const;

/**
 * Clears an auth cookie with the attributes it was set with: the browser ignores a
 * Set-Cookie for a `__Host-` name without Secure and Path=/, so the cookie would live on.
 */
export function clearAuthCookie(reply: FastifyReply, cookie: AuthCookie): void {
  reply.clearCookie(cookie.name, cookieAttributes(cookie));
}

/** How long the password step stays good while the second factor is asked for. */
export const MFA_PENDING_SECONDS = 300;

/** The password change page; also a permitted post-login destination (the web app's user menu links here). */
export const ACCOUNT_PASSWORD_PATH = '/account/password';

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
