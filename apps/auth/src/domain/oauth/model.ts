/** The grants this provider implements (OAuth 2.1: no implicit, no password grant). */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Scopes with a meaning to the provider itself; any other scope is an API scope. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface Client {
  readonly id: string;
  readonly name: string;
  /** `sha256:` digest of a generated secret, or argon2id of a chosen one (client-secret.ts). Every client is confidential for now. */
  readonly secretHash: string;
  readonly redirectUris: readonly string[];
  /** RP-initiated logout return addresses (exact match). */
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly scopes: readonly string[];
}

export interface OAuthSettings {
  /** Exact issuer identifier, e.g. http://localhost:8080/auth (no trailing slash). */
  readonly issuer: string;
  /** `aud` of access tokens: the resource server(s) they are for. */
  readonly accessTokenAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly idTokenTtlSeconds: number;
  readonly authorizationCodeTtlSeconds: number;
  readonly refreshTokenIdleTtlSeconds: number;
  readonly refreshTokenAbsoluteTtlSeconds: number;
}

export const DEFAULT_OAUTH_LIFETIMES = {
  accessTokenTtlSeconds: 600,
  idTokenTtlSeconds: 600,
  authorizationCodeTtlSeconds: 60,
  refreshTokenIdleTtlSeconds: 8 * 3600,
  refreshTokenAbsoluteTtlSeconds: 7 * 24 * 3600,
} as const;

/** Hard caps the configuration may not exceed (RFC 9700 §2.1.1, issue #4). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 900;
export const MAX_AUTHORIZATION_CODE_TTL_SECONDS = 60;

export function parseScopeParam(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
}

/** RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
export function isValidScopeToken(token: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(token);
}
