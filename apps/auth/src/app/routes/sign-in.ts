import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KitInstance } from '@flotilla/service-kit';
import { authCookies, clearAuthCookie, cookieAttributes, type RouteOptions } from './route-options';

/**
 * The account whose password step passed and whose second factor is being asked
 * for: the signed, short-lived cookie /login set, or undefined.
 */
export function pendingUser(request: FastifyRequest, secure: boolean): string | undefined {
  const raw = request.cookies[authCookies(secure).mfaPending.name];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  const [userId, until] = unsigned.value.split('.');
  if (!userId || !until || Number(until) <= Date.now()) return undefined;
  return userId;
}

/**
 * Opens the provider session once sign-in is complete, with a fresh id (no
 * session fixation, ASVS 7.2.4), and drops any pending second-factor cookie.
 */
export async function openSession(
  app: KitInstance,
  options: RouteOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  amr?: readonly string[],
): Promise<void> {
  const { session, mfaPending } = authCookies(options.cookieSecure);
  if (request.cookies[mfaPending.name]) clearAuthCookie(reply, mfaPending);
  await app.sessionService.end(request.cookies[session.name]);
  const token = await app.sessionService.start(userId, request.ip, request.headers['user-agent'] ?? null, amr);
  reply.setCookie(session.name, token, cookieAttributes(session));
}

/** The signed-in user of this request's session, or undefined. */
export async function signedInUser(app: KitInstance, options: RouteOptions, request: FastifyRequest) {
  return (await signedInSession(app, options, request))?.user;
}

/**
 * How recent the sign-in must be to change how the account signs in (a passkey added
 * or removed): a session cookie stolen for a moment cannot plant a credential of its
 * own (ASVS 5.0 7.5.3). The session's auth time is when it was opened by a sign-in.
 */
export const REAUTH_SECONDS = 300;

/** The signed-in user, and whether the sign-in is within REAUTH_SECONDS; undefined without a session. */
export async function signedInSession(app: KitInstance, options: RouteOptions, request: FastifyRequest) {
  const session = await app.sessionService.resume(request.cookies[authCookies(options.cookieSecure).session.name]);
  const user = session && (await app.oauthStore.findUser(session.userId));
  if (!session || !user) return undefined;
  return { user, recent: Date.now() - session.authTime.getTime() < REAUTH_SECONDS * 1000 };
}
