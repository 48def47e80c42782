import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { AccessTokenError, extractBearerToken, type AccessTokenVerifier } from '@flotilla/auth-verify';
import { AppError } from '@flotilla/service-kit';

/** Who is calling, however they proved it. */
export interface Principal {
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly email?: string;
  readonly displayName?: string;
  readonly via: 'bearer' | 'session';
  /** Server-side session id (hashed form), for session-authenticated requests. */
  readonly sessionId?: string;
  /** When the Bearer token expires (ms since the epoch), for Bearer-authenticated requests. */
  readonly expiresAt?: number;
}

/** The BFF's cookie session, plugged in by the session plugin. */
export interface SessionAuthenticator {
  /** Resolves the cookie to a principal (refreshing tokens if due), or null when there is no valid session. */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null>;
  /** Whether the session is still live (not ended, not idle, within its lifetime), without counting as a use. */
  isLive(sessionId: string): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 401 unless a Bearer token or a session cookie identifies the caller. */
    authenticate: onRequestHookHandler;
    /** onRequest hook (after authenticate): 403 unless every scope was granted. */
    requireScopes(...scopes: string[]): onRequestHookHandler;
    setSessionAuthenticator(sessions: SessionAuthenticator): void;
    /**
     * Whether what authenticated a request still holds: the Bearer token has not expired, the
     * session has not ended. For long-lived responses (streams), which authenticate only once.
     */
    stillAuthenticated(principal: Principal): Promise<boolean>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthenticationPluginOptions {
  verifier: AccessTokenVerifier;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function stringClaim(raw: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = raw[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Bearer access tokens (RFC 6750) verified against the auth service's JWKS with
 * pinned alg, iss and aud (libs/auth-verify), or else the BFF session cookie.
 */
export default fp<AuthenticationPluginOptions>(
  async (app, options) => {
    let sessions: SessionAuthenticator | undefined;
    app.decorateRequest('principal', null);
    app.decorate('setSessionAuthenticator', (authenticator: SessionAuthenticator) => {
      sessions = authenticator;
    });

    app.decorate('authenticate', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined) {
        const token = extractBearerToken(authorization);
        if (!token) {
          reply.header('www-authenticate', 'Bearer error="invalid_request"');
          throw new AppError(401, 'UNAUTHORIZED', 'The Authorization header must be "Bearer <token>"');
        }
        let claims;
        try {
          claims = await options.verifier.verify(token);
        } catch (error) {
          if (error instanceof AccessTokenError && error.code === 'temporarily_unavailable') {
            throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Tokens cannot be verified right now', undefined, { cause: error });
          }
          reply.header('www-authenticate', 'Bearer error="invalid_token"');
          throw new AppError(401, 'UNAUTHORIZED', 'The access token is invalid or expired', undefined, { cause: error });
        }
        if (!UUID.test(claims.sub)) {
          // A client-credentials token names a client, not a user: there is no account to act on.
          throw new AppError(403, 'FORBIDDEN', 'This token does not act for a user');
        }
        const email = stringClaim(claims.raw, 'email');
        const displayName = stringClaim(claims.raw, 'name');
        request.principal = {
          userId: claims.sub.toLowerCase(),
          scopes: claims.scopes,
          via: 'bearer',
          expiresAt: claims.exp * 1000,
          ...(email ? { email } : {}),
          ...(displayName ? { displayName } : {}),
        };
        return;
      }
      const principal = sessions ? await sessions.authenticate(request, reply) : null;
      if (!principal) {
        reply.header('www-authenticate', 'Bearer');
        throw new AppError(401, 'UNAUTHORIZED', 'Sign in, or send a Bearer access token');
      }
      request.principal = principal;
    });

    app.decorate('stillAuthenticated', async (principal: Principal): Promise<boolean> => {
      if (principal.via === 'bearer') return principal.expiresAt !== undefined && Date.now() < principal.expiresAt;
      return principal.sessionId !== undefined && sessions !== undefined && (await sessions.isLive(principal.sessionId));
    });

    app.decorate('requireScopes', (...scopes: string[]): onRequestHookHandler => {
      return async function requireScopes(request: FastifyRequest, reply: FastifyReply) {
        const granted = new Set(request.principal?.scopes ?? []);
        const missing = scopes.filter((scope) => !granted.has(scope));
        if (missing.length > 0) {
          reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`);
          throw new AppError(403, 'INSUFFICIENT_SCOPE', `This request needs the scope(s): ${missing.join(' ')}`);
        }
      };
    });
  },
  { name: 'authentication', fastify: '5.x' },
);

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('invariant: route reached without authentication');
  return request.principal;
}
