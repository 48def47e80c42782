import { AccessTokenError } from './errors';

/** Splits an RFC 6749 §3.3 scope string; tolerant of repeated spaces. */
export function parseScope(scope: string | undefined): string[] {
  if (!scope) return [];
  return scope.split(' ').filter((s) => s.length > 0);
}

/** Throws `insufficient_scope` unless every required scope was granted. */
export function requireScopes(claims: { readonly scopes: readonly string[] }, required: readonly string[]): void {
  const granted = new Set(claims.scopes);
  const missing = required.filter((s) => !granted.has(s));
  if (missing.length > 0) {
    throw new AccessTokenError('insufficient_scope', `missing scope(s): ${missing.join(' ')}`, {
      requiredScopes: required,
    });
  }
}

/**
 * Pulls the token out of an `Authorization: Bearer …` header (RFC 6750 §2.1).
 * Returns undefined when the header is absent or is another scheme.
 */
export function extractBearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  return match?.[1];
}
