import { randomUUID } from 'node:crypto';
import type { AuthorizationRequest } from './authorization-request';
import { randomToken, sha256Hex } from './crypto';
import { type Client, type OAuthSettings, parseScopeParam, type GrantType } from './model';
import { OAuthError } from './oauth-errors';
import { verifyS256 } from './pkce';
import type { ClientSecretVerifier, OAuthStore, RefreshFamily, TokenSigner } from './ports';

export interface ClientCredentials {
  readonly method: 'client_secret_basic' | 'client_secret_post';
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
}

export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope: string;
      readonly client_id: string;
      readonly sub: string;
      readonly exp: number;
      readonly iat?: number;
      readonly iss: string;
      readonly aud?: string;
      readonly jti?: string;
      readonly token_type: 'Bearer' | 'refresh_token';
      readonly username?: string;
    };

export interface UserInfo {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
}

export interface OAuthServiceDeps {
  readonly store: OAuthStore;
  readonly signer: TokenSigner;
  readonly secrets: ClientSecretVerifier;
  readonly settings: OAuthSettings;
  readonly now?: () => Date;
}

export type OAuthService = ReturnType<typeof createOAuthService>;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** The two assurance levels the ID token's acr names (OIDC Core §2); discovery lists them. */
export const ACR_VALUES = { singleFactor: 'urn:flotilla:acr:1fa', multiFactor: 'urn:flotilla:acr:2fa' } as const;

/**
 * Two factors when a second one (RFC 8176 otp) joined the password, or with a
 * passkey (hwk/swk): user verification is required, so the key is possession plus
 * the authenticator's PIN or biometric, and it is bound to our origin (phishing-resistant).
 */
export function acrFor(amr: readonly string[]): string {
  return amr.includes('otp') || amr.includes('hwk') || amr.includes('swk') ? ACR_VALUES.multiFactor : ACR_VALUES.singleFactor;
}

export function createOAuthService(deps: OAuthServiceDeps) {
  const { store, signer, secrets, settings } = deps;
  const now = deps.now ?? (() => new Date());

  /** RFC 6749 §2.3.1; failures are all `invalid_client`, with nothing about which part was wrong. */
  async function authenticateClient(credentials: ClientCredentials | undefined): Promise<Client> {
    if (!credentials) throw new OAuthError('invalid_client', 'client authentication required');
    const client = await store.findClient(credentials.clientId);
    if (!client) {
      await secrets.verifyAgainstDummy(credentials.clientSecret);
      throw new OAuthError('invalid_client', 'client authentication failed');
    }
    if (!(await secrets.verify(client.secretHash, credentials.clientSecret))) {
      throw new OAuthError('invalid_client', 'client authentication failed');
    }
    return client;
  }

  function requireGrant(client: Client, grant: GrantType) {
    if (!client.grantTypes.includes(grant)) throw new OAuthError('unauthorized_client', `client may not use ${grant}`);
  }

  async function issueAccessToken(input: {
    client: Client;
    sub: string;
    userId: string | null;
    scope: string;
    familyId: string | null;
    authorizationCodeId: string | null;
    authTime?: Date;
  }) {
    const issuedAt = now();
    const jti = randomUUID();
    const exp = seconds(issuedAt) + settings.accessTokenTtlSeconds;
    const token = signer.signAccessToken({
      sub: input.sub,
      client_id: input.client.id,
      scope: input.scope,
      jti,
      iat: seconds(issuedAt),
      exp,
      ...(input.authTime ? { auth_time: seconds(input.authTime) } : {}),
    });
    await store.recordAccessToken({
      jti,
      clientId: input.client.id,
      userId: input.userId,
      familyId: input.familyId,
      authorizationCodeId: input.authorizationCodeId,
      scope: input.scope,
      expiresAt: new Date(exp * 1000),
    });
    return token;
  }

  async function idTokenFor(client: Client, userId: string, scopes: readonly string[], authTime: Date, amr: readonly string[], nonce?: string) {
    const user = await store.findUser(userId);
    if (!user) throw new OAuthError('invalid_grant', 'user no longer exists');
    const issuedAt = seconds(now());
    return signer.signIdToken({
      sub: user.id,
      aud: client.id,
      azp: client.id,
      iat: issuedAt,
      exp: issuedAt + settings.idTokenTtlSeconds,
      auth_time: seconds(authTime),
      // OIDC Core §2 / RFC 8176: how the user signed in, and the assurance it gives.
      amr: [...amr],
      acr: acrFor(amr),
      ...(nonce ? { nonce } : {}),
      ...(scopes.includes('email') ? { email: user.email, email_verified: false } : {}),
      ...(scopes.includes('profile') ? { name: user.displayName } : {}),
    });
  }

  async function requireActiveUser(userId: string) {
    const user = await store.findUser(userId);
    if (!user || !user.active) throw new OAuthError('invalid_grant', 'the user is no longer active');
    return user;
  }

  return {
    authenticateClient,

    /** Stores a code for a validated request and returns the code itself (only its hash is kept). */
    async issueAuthorizationCode(
      request: AuthorizationRequest,
      user: { id: string; authTime: Date; amr?: readonly string[] },
      sessionId: string | null,
    ) {
      const code = randomToken();
      const createdAt = now();
      await store.saveAuthorizationCode({
        id: sha256Hex(code),
        clientId: request.client.id,
        userId: user.id,
        sessionId,
        redirectUri: request.redirectUri,
        scope: request.scopes.join(' '),
        nonce: request.nonce ?? null,
        codeChallenge: request.codeChallenge,
        authTime: user.authTime,
        amr: user.amr ?? ['pwd'],
        expiresAt: addSeconds(createdAt, settings.authorizationCodeTtlSeconds),
      });
      return code;
    },

    async exchangeAuthorizationCode(
      client: Client,
      params: { code?: string; redirectUri?: string; codeVerifier?: string },
    ): Promise<TokenResponse> {
      requireGrant(client, 'authorization_code');
      if (!params.code) throw new OAuthError('invalid_request', 'code is required');
      if (!params.redirectUri) throw new OAuthError('invalid_request', 'redirect_uri is required');
      if (!params.codeVerifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');

      const at = now();
      // Consumed before any other check, so a wrong verifier also burns the code.
      const result = await store.consumeAuthorizationCode(sha256Hex(params.code), at);
      if (result.status === 'not-found') throw new OAuthError('invalid_grant', 'invalid authorization code');
      if (result.status === 'already-used') {
        // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what it issued.
        await store.revokeIssuedFromCode(result.code.id, at);
        throw new OAuthError('invalid_grant', 'authorization code already used');
      }
      const code = result.code;
      if (code.clientId !== client.id) throw new OAuthError('invalid_grant', 'code was issued to another client');
      if (code.expiresAt.getTime() <= at.getTime()) throw new OAuthError('invalid_grant', 'authorization code expired');
      if (code.redirectUri !== params.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri does not match');
      if (!verifyS256(params.codeVerifier, code.codeChallenge)) throw new OAuthError('invalid_grant', 'PKCE verification failed');
      await requireActiveUser(code.userId);

      const scopes = parseScopeParam(code.scope);
      let family: RefreshFamily | undefined;
      let refreshToken: string | undefined;
      if (scopes.includes('offline_access') && client.grantTypes.includes('refresh_token')) {
        refreshToken = randomToken();
        const familyExpiresAt = addSeconds(at, settings.refreshTokenAbsoluteTtlSeconds);
        family = await store.createRefreshFamily({
          clientId: client.id,
          userId: code.userId,
          authorizationCodeId: code.id,
          sessionId: code.sessionId,
          scope: code.scope,
          nonce: code.nonce,
          authTime: code.authTime,
          amr: code.amr,
          expiresAt: familyExpiresAt,
          tokenHash: sha256Hex(refreshToken),
          tokenExpiresAt: minDate(addSeconds(at, settings.refreshTokenIdleTtlSeconds), familyExpiresAt),
        });
      }
      const accessToken = await issueAccessToken({
        client,
        sub: code.userId,
        userId: code.userId,
        scope: code.scope,
        familyId: family?.id ?? null,
        authorizationCodeId: code.id,
        authTime: code.authTime,
      });
      const idToken = scopes.includes('openid')
        ? await idTokenFor(client, code.userId, scopes, code.authTime, code.amr, code.nonce ?? undefined)
        : undefined;
      return {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: settings.accessTokenTtlSeconds,
        scope: code.scope,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(idToken ? { id_token: idToken } : {}),
      };
    },

    async refresh(client: Client, params: { refreshToken?: string; scope?: string }): Promise<TokenResponse> {
      requireGrant(client, 'refresh_token');
      if (!params.refreshToken) throw new OAuthError('invalid_request', 'refresh_token is required');
      const at = now();
      const requested = params.scope === undefined ? undefined : parseScopeParam(params.scope);
      if (requested) {
        // Checked before rotating, so a bad scope request does not burn the token.
        const current = await store.findRefreshToken(sha256Hex(params.refreshToken));
        const granted = current && current.family.clientId === client.id ? parseScopeParam(current.family.scope) : undefined;
        if (granted && (requested.length === 0 || requested.some((s) => !granted.includes(s)))) {
          throw new OAuthError('invalid_scope', 'scope exceeds the original grant');
        }
      }
      const newToken = randomToken();
      const result = await store.rotateRefreshToken({
        oldHash: sha256Hex(params.refreshToken),
        newHash: sha256Hex(newToken),
        clientId: client.id,
        idleTtlSeconds: settings.refreshTokenIdleTtlSeconds,
        now: at,
      });
      if (result.status === 'reused') throw new OAuthError('invalid_grant', 'refresh token already used; the session is revoked');
      if (result.status === 'invalid') throw new OAuthError('invalid_grant', `refresh token is not valid (${result.reason})`);
      const family = result.family;
      try {
        await requireActiveUser(family.userId);
      } catch (error) {
        await store.revokeRefreshFamily(family.id, 'user-inactive', at);
        throw error;
      }

      // RFC 6749 §6: the new scope may only narrow the original grant (checked above).
      const granted = parseScopeParam(family.scope);
      const scopes = requested ? requested.filter((s) => granted.includes(s)) : granted;
      const scope = scopes.join(' ');
      const accessToken = await issueAccessToken({
        client,
        sub: family.userId,
        userId: family.userId,
        scope,
        familyId: family.id,
        authorizationCodeId: null,
        authTime: family.authTime,
      });
      const idToken = scopes.includes('openid') ? await idTokenFor(client, family.userId, scopes, family.authTime, family.amr) : undefined;
      return {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: settings.accessTokenTtlSeconds,
        scope,
        refresh_token: newToken,
        ...(idToken ? { id_token: idToken } : {}),
      };
    },

    async clientCredentials(client: Client, params: { scope?: string }): Promise<TokenResponse> {
      requireGrant(client, 'client_credentials');
      const requested = params.scope === undefined ? client.scopes.filter((s) => !isUserScope(s)) : parseScopeParam(params.scope);
      const bad = requested.filter((s) => isUserScope(s) || !client.scopes.includes(s));
      if (bad.length > 0) throw new OAuthError('invalid_scope', `scope not allowed for this client: ${bad.join(' ')}`);
      const scope = requested.join(' ');
      const accessToken = await issueAccessToken({ client, sub: client.id, userId: null, scope, familyId: null, authorizationCodeId: null });
      return { access_token: accessToken, token_type: 'Bearer', expires_in: settings.accessTokenTtlSeconds, scope };
    },

    /** RFC 7009 §2.2: always succeeds for the caller, whatever the token was. */
    async revoke(client: Client, params: { token?: string; tokenTypeHint?: string }): Promise<void> {
      if (!params.token) throw new OAuthError('invalid_request', 'token is required');
      const at = now();
      const asRefresh = async () => {
        const found = await store.findRefreshToken(sha256Hex(params.token as string));
        if (!found) return false;
        if (found.family.clientId === client.id) await store.revokeRefreshFamily(found.family.id, 'revoked-by-client', at);
        return true;
      };
      const asAccess = async () => {
        const claims = await signer.verifyAccessToken(params.token as string);
        if (!claims) return false;
        if (claims.clientId === client.id) await store.revokeAccessToken(claims.jti, at);
        return true;
      };
      if (params.tokenTypeHint === 'access_token') {
        if (!(await asAccess())) await asRefresh();
      } else if (!(await asRefresh())) {
        await asAccess();
      }
    },

    async introspect(params: { token?: string; tokenTypeHint?: string }): Promise<IntrospectionResponse> {
      if (!params.token) throw new OAuthError('invalid_request', 'token is required');
      const at = now();
      const claims = params.token.includes('.') ? await signer.verifyAccessToken(params.token) : undefined;
      if (claims) {
        const stored = await store.findAccessToken(claims.jti);
        if (!stored || stored.revoked) return { active: false };
        if (stored.userId) {
          const user = await store.findUser(stored.userId);
          if (!user?.active) return { active: false };
          return {
            active: true, scope: claims.scope, client_id: claims.clientId, sub: claims.sub, exp: claims.exp, iat: claims.iat,
            iss: settings.issuer, aud: settings.accessTokenAudience, jti: claims.jti, token_type: 'Bearer', username: user.email,
          };
        }
        return {
          active: true, scope: claims.scope, client_id: claims.clientId, sub: claims.sub, exp: claims.exp, iat: claims.iat,
          iss: settings.issuer, aud: settings.accessTokenAudience, jti: claims.jti, token_type: 'Bearer',
        };
      }
      const refresh = await store.findRefreshToken(sha256Hex(params.token));
      if (!refresh || !refresh.active || refresh.expiresAt <= at) return { active: false };
      return {
        active: true,
        scope: refresh.family.scope,
        client_id: refresh.family.clientId,
        sub: refresh.family.userId,
        exp: seconds(refresh.expiresAt),
        iss: settings.issuer,
        token_type: 'refresh_token',
      };
    },

    /** OIDC Core §5.3. Undefined when the token is not valid (the route answers 401). */
    async userinfo(accessToken: string): Promise<UserInfo | { error: 'invalid_token' | 'insufficient_scope' }> {
      const claims = await signer.verifyAccessToken(accessToken);
      if (!claims) return { error: 'invalid_token' };
      const stored = await store.findAccessToken(claims.jti);
      if (!stored || stored.revoked || !stored.userId) return { error: 'invalid_token' };
      const scopes = parseScopeParam(claims.scope);
      if (!scopes.includes('openid')) return { error: 'insufficient_scope' };
      const user = await store.findUser(stored.userId);
      if (!user?.active) return { error: 'invalid_token' };
      return {
        sub: user.id,
        ...(scopes.includes('email') ? { email: user.email, email_verified: false } : {}),
        ...(scopes.includes('profile') ? { name: user.displayName } : {}),
      };
    },
  };
}

/** Scopes that describe a signed-in person; meaningless for a client acting for itself. */
function isUserScope(scope: string): boolean {
  return scope === 'openid' || scope === 'profile' || scope === 'email' || scope === 'offline_access';
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
