import { createHash, randomBytes } from 'node:crypto';
import oauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ErrorResponseSchema } from '@flotilla/contracts';
import { AppError, hostCookie, type KitInstance } from '@flotilla/service-kit';
import type { AccessTokenVerifier } from '@flotilla/auth-verify';
import type { Principal } from '../plugins/app/authentication';
import type { SessionRepository, StoredSession } from '../repositories/session-repository';
import { createEndSessionEndpoint, endSessionUrl } from './end-session';
import type { TokenCipher } from './token-cipher';

export const CSRF_HEADER = 'x-csrf-token';

/**
 * The BFF's cookies: `__Host-` names (Secure, Path=/, no Domain) whenever
 * COOKIE_SECURE, so a sibling subdomain cannot plant a session or a CSRF token;
 * bare names in plain-http development, where browsers refuse the prefix
 * (service-kit hostCookie). The web app reads the CSRF cookie by either name.
 */
export function bffCookies(secure: boolean, sessionTtlMs: number) {
  const base = { httpOnly: true, sameSite: 'lax', secure, path: '/' } satisfies CookieSerializeOptions;
  const maxAge = Math.floor(sessionTtlMs / 1000);
  return {
    session: { name: hostCookie('flotilla_session', secure).name, options: { ...base, maxAge } },
    csrf: { name: hostCookie('csrf_token', secure).name, options: { ...base, httpOnly: false, maxAge } },
    returnTo: { name: hostCookie('flotilla_return_to', secure).name, options: { ...base, maxAge: 600 } },
    /** @fastify/oauth2's state and PKCE verifier cookies (its hostPrefixedCookies names them `__Host-`). */
    oauth: { hostPrefixed: secure, options: base },
  };
}
/** Refresh this long before the access token expires, so a request never carries one that dies in flight. */
const REFRESH_MARGIN_MS = 60_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyInstance {
    authServer: OAuth2Namespace;
  }
}

export interface BffOptions {
  /** Exact iss; the browser is sent to its /authorize. */
  issuer: string;
  /** Where this API reaches the auth service (token, revoke); defaults to the issuer. */
  internalBaseUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  publicBaseUrl: string;
  /** Registered at the auth service for this client; the provider sends the browser here after sign-out. */
  postLogoutRedirectUri: string;
  cookieSecure: boolean;
  sessionTtlMs: number;
  sessions: SessionRepository;
  cipher: TokenCipher;
  accessTokenVerifier: AccessTokenVerifier;
  idTokenKeys: JWTVerifyGetKey;
  idTokenAlgorithms: readonly string[];
}

interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  scope?: string;
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * Where to send the browser after sign-in: only a path on our own origin. The
 * value is resolved against PUBLIC_BASE_URL the way a browser would, and must keep
 * that origin. Control characters are refused outright: browsers strip tab and
 * newline while parsing, so "/\t/evil.example" would become "//evil.example"
 * (WHATWG URL §4.4; OWASP ASVS 5.0 V3.7.2 / RFC 9700 §4.11).
 */
export function safeReturnTo(value: unknown, publicBaseUrl: string): string {
  if (typeof value !== 'string' || value.length > 512 || !value.startsWith('/')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F\\]/.test(value)) return '/';
  let resolved: URL;
  let base: URL;
  try {
    base = new URL(publicBaseUrl);
    resolved = new URL(value, base);
  } catch {
    return '/';
  }
  if (resolved.origin !== base.origin) return '/';
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/**
 * Backend-for-frontend login (RFC 9700 §6.1, draft-ietf-oauth-browser-based-apps
 * §6.1): this API is a confidential client of the auth service, runs the code
 * flow with PKCE, keeps the tokens server-side (encrypted), refreshes them
 * itself, and gives the browser only an opaque httpOnly session cookie plus a
 * double-submit CSRF token for state-changing requests.
 */
export default async function bffRoutes(app: KitInstance, options: BffOptions) {
  const issuerUrl = new URL(options.issuer.replace(/\/$/, ''));
  const internalUrl = new URL(options.internalBaseUrl.replace(/\/$/, ''));
  const cookies = bffCookies(options.cookieSecure, options.sessionTtlMs);
  const SESSION_COOKIE = cookies.session.name;
  const CSRF_COOKIE = cookies.csrf.name;

  await app.register(oauth2, {
    name: 'authServer',
    scope: [...options.scopes],
    credentials: {
      client: { id: options.clientId, secret: options.clientSecret },
      auth: {
        authorizeHost: issuerUrl.origin,
        authorizePath: `${issuerUrl.pathname.replace(/\/$/, '')}/authorize`,
        tokenHost: internalUrl.origin,
        tokenPath: `${internalUrl.pathname.replace(/\/$/, '')}/token`,
        revokePath: `${internalUrl.pathname.replace(/\/$/, '')}/revoke`,
      },
    },
    callbackUri: `${options.publicBaseUrl.replace(/\/$/, '')}/api/auth/callback`,
    pkce: 'S256',
    cookie: cookies.oauth.options,
    hostPrefixedCookies: cookies.oauth.hostPrefixed,
  });

  const endSessionEndpoint = createEndSessionEndpoint({
    discoveryUrl: `${internalUrl.toString().replace(/\/$/, '')}/.well-known/openid-configuration`,
    issuer: options.issuer,
    onError: (error) => app.log.warn({ err: error }, 'the auth service did not say where to end its session; signing out locally only'),
  });

  async function verifyIdentity(tokens: TokenSet) {
    const claims = await options.accessTokenVerifier.verify(tokens.access_token);
    let email: string | undefined;
    let displayName: string | undefined;
    if (tokens.id_token) {
      const { payload } = await jwtVerify(tokens.id_token, options.idTokenKeys, {
        issuer: options.issuer,
        audience: options.clientId,
        algorithms: [...options.idTokenAlgorithms],
      });
      if (payload.sub !== claims.sub) throw new Error('ID token and access token name different users');
      if (typeof payload.email === 'string') email = payload.email;
      if (typeof payload.name === 'string') displayName = payload.name;
    }
    return { claims, email, displayName };
  }

  function sealTokens(tokens: TokenSet, now: number) {
    return {
      accessToken: options.cipher.encrypt(tokens.access_token),
      refreshToken: tokens.refresh_token ? options.cipher.encrypt(tokens.refresh_token) : null,
      accessExpiresAt: new Date(now + (tokens.expires_in ?? 300) * 1000),
    };
  }

  /** Still good for a while, and no sign-out at the provider since: no need to ask the provider. */
  const upToDate = (s: StoredSession) => !s.recheck && s.accessExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS;

  /**
   * Refreshes the tokens when the access token is about to expire, or when the
   * provider reported a sign-out of this user (user.signed_out): the refresh is
   * the re-check, refused once the sign-out revoked this session's grant.
   */
  async function refreshIfDue(session: StoredSession): Promise<StoredSession> {
    if (upToDate(session)) return session;
    return options.sessions.withLocked(session.idHash, async (locked, db) => {
      // Another request (maybe on another replica) may have refreshed while we waited for the lock.
      if (!locked) return session;
      if (upToDate(locked)) return locked;
      if (!locked.refreshToken) throw new AppError(401, 'SESSION_EXPIRED', 'Your session has expired; sign in again');
      let fresh: TokenSet;
      try {
        const result = await app.authServer.getNewAccessTokenUsingRefreshToken(
          {
            token_type: 'Bearer',
            access_token: options.cipher.decrypt(locked.accessToken),
            refresh_token: options.cipher.decrypt(locked.refreshToken),
            expires_in: 0,
            expires_at: locked.accessExpiresAt,
          },
          {},
        );
        fresh = result.token as unknown as TokenSet;
      } catch (error) {
        const status = (error as { output?: { statusCode?: number } }).output?.statusCode;
        if (status && status >= 400 && status < 500) {
          throw new AppError(401, 'SESSION_EXPIRED', 'Your session has expired; sign in again', undefined, { cause: error });
        }
        throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Sign-in service unavailable; retry shortly', undefined, { cause: error });
      }
      const sealed = sealTokens({ ...fresh, refresh_token: fresh.refresh_token ?? options.cipher.decrypt(locked.refreshToken) }, Date.now());
      const scope = fresh.scope ?? locked.scope;
      await options.sessions.updateTokens(db, locked.idHash, { ...sealed, scope });
      return { ...locked, ...sealed, scope };
    });
  }

  /** Double-submit check: the header equals the CSRF cookie, and is the token bound to this session. */
  function csrfValid(request: FastifyRequest, idHash: string): boolean {
    const header = request.headers[CSRF_HEADER];
    return typeof header === 'string' && header === request.cookies[CSRF_COOKIE] && options.cipher.verifyCsrfToken(idHash, header);
  }
  const csrfFailed = () => new AppError(403, 'CSRF_FAILED', `Send the ${CSRF_COOKIE} cookie's value in the ${CSRF_HEADER} header`);

  app.setSessionAuthenticator({
    async authenticate(request: FastifyRequest): Promise<Principal | null> {
      const id = request.cookies[SESSION_COOKIE];
      if (!id || id.length > 128) return null;
      const idHash = hashSessionId(id);
      // The CSRF token first: a refused request must not count as the session's use (it would keep an idle session alive).
      if (UNSAFE_METHODS.has(request.method) && !csrfValid(request, idHash)) {
        if (!(await options.sessions.isLive(idHash))) return null;
        throw csrfFailed();
      }
      const stored = await options.sessions.findLive(idHash);
      if (!stored) return null;
      const session = await refreshIfDue(stored).catch(async (error: unknown) => {
        // The provider refused the refresh: the grant is gone, and so is this session.
        if (error instanceof AppError && error.statusCode === 401) await options.sessions.delete(idHash);
        throw error;
      });
      return {
        userId: session.userId,
        scopes: session.scope.split(' ').filter(Boolean),
        email: session.email,
        displayName: session.displayName,
        via: 'session',
        sessionId: idHash,
      };
    },
    isLive: (sessionId) => options.sessions.isLive(sessionId),
  });

  app.get(
    '/auth/login',
    {
      schema: {
        summary: 'Start sign-in at the auth service (authorization code + PKCE)',
        tags: ['auth'],
        querystring: Type.Object({
          returnTo: Type.Optional(Type.String({ maxLength: 512 })),
          // OIDC "Initiating User Registration" §4: open the provider's sign-up form instead of sign-in.
          prompt: Type.Optional(Type.Literal('create')),
        }),
        response: { 302: Type.Null({ description: 'Redirect to the authorization endpoint' }), 400: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      reply.setCookie(cookies.returnTo.name, safeReturnTo(request.query.returnTo, options.publicBaseUrl), cookies.returnTo.options);
      const uri = new URL(await app.authServer.generateAuthorizationUri(request, reply));
      if (request.query.prompt) uri.searchParams.set('prompt', request.query.prompt);
      return reply.redirect(uri.toString(), 302);
    },
  );

  app.get(
    '/auth/callback',
    {
      schema: {
        summary: 'Redirect target of the auth service: exchanges the code, opens the session',
        tags: ['auth'],
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2048 })),
          state: Type.Optional(Type.String({ maxLength: 2048 })),
          iss: Type.Optional(Type.String({ maxLength: 2048 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
          error_description: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
        response: { 302: Type.Null({ description: 'Back to the app' }), 400: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const returnTo = safeReturnTo(request.cookies[cookies.returnTo.name], options.publicBaseUrl);
      reply.clearCookie(cookies.returnTo.name, { ...cookies.returnTo.options, maxAge: undefined });
      if (request.query.error || !request.query.code) {
        throw new AppError(400, 'LOGIN_FAILED', `Sign-in did not complete${request.query.error ? `: ${request.query.error}` : ''}`);
      }
      // RFC 9207: a response naming another issuer is a mix-up attempt.
      if (request.query.iss !== undefined && request.query.iss !== options.issuer) {
        throw new AppError(400, 'LOGIN_FAILED', 'The authorization response came from an unexpected issuer');
      }
      let tokens: TokenSet;
      try {
        const result = await app.authServer.getAccessTokenFromAuthorizationCodeFlow(request, reply);
        tokens = result.token as unknown as TokenSet;
      } catch (error) {
        const status = (error as { output?: { statusCode?: number } }).output?.statusCode;
        if (status === undefined && !(error instanceof Error && /state/i.test(error.message))) {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Sign-in service unavailable; retry shortly', undefined, { cause: error });
        }
        throw new AppError(400, 'LOGIN_FAILED', 'Sign-in could not be completed; start again', undefined, { cause: error });
      }
      let identity;
      try {
        identity = await verifyIdentity(tokens);
      } catch (error) {
        throw new AppError(400, 'LOGIN_FAILED', 'The auth service returned tokens that do not verify', undefined, { cause: error });
      }
      const email = identity.email ?? '';
      const now = Date.now();
      const id = randomBytes(32).toString('base64url');
      const idHash = hashSessionId(id);
      await options.sessions.create({
        idHash,
        userId: identity.claims.sub,
        email,
        displayName: identity.displayName ?? email,
        scope: tokens.scope ?? identity.claims.scope,
        ...sealTokens(tokens, now),
        idToken: tokens.id_token ? options.cipher.encrypt(tokens.id_token) : null,
        expiresAt: new Date(now + options.sessionTtlMs),
      });
      if (email) {
        await app.ledger.openAccount({ userId: identity.claims.sub, email, displayName: identity.displayName ?? email }).catch((error: unknown) => {
          request.log.warn({ err: error }, 'opening the account at sign-in failed; it will be opened on first use or by the consumer');
        });
      }
      reply.setCookie(SESSION_COOKIE, id, cookies.session.options);
      reply.setCookie(CSRF_COOKIE, options.cipher.csrfTokenFor(idHash), cookies.csrf.options);
      return reply.redirect(returnTo, 302);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        summary: 'End the session (needs the x-csrf-token header): revokes the refresh token and names where the browser ends its session at the auth service',
        tags: ['auth'],
        response: {
          200: Type.Object(
            {
              redirectTo: Type.Optional(
                Type.String({ format: 'uri', description: "The auth service's end_session_endpoint (OIDC RP-Initiated Logout); absent while it cannot be reached" }),
              ),
            },
            { additionalProperties: false },
          ),
          403: ErrorResponseSchema,
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const id = request.cookies[SESSION_COOKIE];
      let idToken: string | undefined;
      if (id && id.length <= 128) {
        const idHash = hashSessionId(id);
        // A live session ends only with its CSRF token; a dead one is just cleared. Checking never counts as a use.
        if (!csrfValid(request, idHash) && (await options.sessions.isLive(idHash))) throw csrfFailed();
        const removed = await options.sessions.delete(idHash);
        if (removed?.idToken) idToken = unsealOrUndefined(removed.idToken, request);
        if (removed?.refreshToken) {
          const refresh = options.cipher.decrypt(removed.refreshToken);
          app.authServer
            .revokeToken(
              {
                token_type: 'Bearer',
                access_token: options.cipher.decrypt(removed.accessToken),
                refresh_token: refresh,
                expires_in: 0,
                expires_at: removed.accessExpiresAt,
              },
              'refresh_token',
              undefined,
            )
            .catch((error: unknown) => request.log.warn({ err: error }, 'refresh token revocation failed'));
        }
      }
      reply.clearCookie(SESSION_COOKIE, { ...cookies.session.options, maxAge: undefined });
      reply.clearCookie(CSRF_COOKIE, { ...cookies.csrf.options, maxAge: undefined });
      // The provider's own session would otherwise sign the user straight back in on the next login.
      // Sent even without a local session: the provider's may outlive ours. The state only comes back
      // on the landing page, which acts on nothing, so it is not kept for checking.
      const endpoint = await endSessionEndpoint();
      if (!endpoint) return {};
      return {
        redirectTo: endSessionUrl(endpoint, {
          ...(idToken ? { idToken } : {}),
          clientId: options.clientId,
          postLogoutRedirectUri: options.postLogoutRedirectUri,
          state: randomBytes(16).toString('base64url'),
        }),
      };
    },
  );

  function unsealOrUndefined(sealed: string, request: FastifyRequest): string | undefined {
    try {
      return options.cipher.decrypt(sealed);
    } catch (error) {
      request.log.warn({ err: error }, 'the stored ID token cannot be unsealed; ending the provider session without a hint');
      return undefined;
    }
  }
}
