import { createRemoteJWKSet, errors, jwtVerify, type JWSAlgorithm, type JWTVerifyGetKey } from 'jose';
import { AccessTokenError } from './errors';
import { parseScope, requireScopes } from './scopes';

/** The claims of an RFC 9068 JWT access token after verification. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly clientId: string;
  readonly scope: string;
  readonly scopes: readonly string[];
  /** Every claim as signed, for anything not lifted above. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface AccessTokenVerifierOptions {
  /** Exact `iss` expected, e.g. http://localhost:8080/auth. */
  readonly issuer: string;
  /** This resource server's identifier; the token's `aud` must contain it. */
  readonly audience: string;
  readonly jwksUri: string | URL;
  /** Allowlist (RFC 8725 §3.1). `none` and HMAC algorithms are never accepted. */
  readonly algorithms?: readonly AsymmetricAlgorithm[];
  /** Scopes every token verified by this verifier must carry. */
  readonly requiredScopes?: readonly string[];
  /** Seconds of clock skew tolerated on exp/nbf/iat. Default 5. */
  readonly clockToleranceSeconds?: number;
  /** How long a fetched JWKS is trusted before it is fetched again. Default 10 minutes. */
  readonly jwksCacheMaxAgeMs?: number;
  /**
   * Minimum delay between two fetches triggered by an unknown `kid`, so a stream of
   * forged tokens cannot turn the verifier into a JWKS request flood. Default 30 s.
   */
  readonly jwksCooldownMs?: number;
  /** JWKS HTTP timeout. Default 5 s. */
  readonly jwksTimeoutMs?: number;
  /**
   * How many verified tokens to remember (0 disables). A token seen again within
   * `verifiedCacheTtlMs` skips the ECDSA check, which is most of the cost; its exp
   * and the required scopes are still checked on every call. Default 1000.
   */
  readonly verifiedCacheSize?: number;
  /** Upper bound on how long a verification is reused, so a key removed from the JWKS stops being trusted. Default 60 s. */
  readonly verifiedCacheTtlMs?: number;
}

export type AsymmetricAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519' | 'PS256' | 'RS256';

export interface VerifyOptions {
  /** Scopes required for this call on top of the verifier's own. */
  readonly requiredScopes?: readonly string[];
}

export interface AccessTokenVerifier {
  /** Resolves with the claims, or rejects with an {@link AccessTokenError}. */
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>;
}

const ALLOWED: ReadonlySet<string> = new Set<AsymmetricAlgorithm>(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);

/**
 * Verifies RFC 9068 access tokens against the issuer's JWKS. The key set is fetched
 * lazily, cached, and fetched again when a token names a `kid` it does not hold, so
 * a key published ahead of a rotation is picked up without a restart.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri), {
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
  });
  return createAccessTokenVerifierWithKeys(jwks, options);
}

/** The same verifier over any jose key resolver (e.g. createLocalJWKSet). */
export function createAccessTokenVerifierWithKeys(
  getKey: JWTVerifyGetKey,
  options: Omit<AccessTokenVerifierOptions, 'jwksUri'>,
): AccessTokenVerifier {
  const algorithms = [...(options.algorithms ?? ['ES256'])];
  if (algorithms.length === 0 || algorithms.some((a) => !ALLOWED.has(a))) {
    throw new TypeError(`algorithms must be a non-empty subset of ${[...ALLOWED].join(', ')}`);
  }
  if (!options.issuer || !options.audience) throw new TypeError('issuer and audience are required');
  const baseScopes = options.requiredScopes ?? [];
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const cacheSize = options.verifiedCacheSize ?? 1000;
  const cacheTtlMs = options.verifiedCacheTtlMs ?? 60_000;
  // Insertion-ordered: the first key is the oldest entry.
  const verified = new Map<string, { claims: AccessTokenClaims; until: number }>();

  return {
    async verify(token, verifyOptions) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
        throw new AccessTokenError('invalid_token', 'token missing or oversized');
      }
      const required = [...baseScopes, ...(verifyOptions?.requiredScopes ?? [])];
      const now = Date.now();
      const hit = verified.get(token);
      if (hit) {
        if (hit.until > now && hit.claims.exp + clockTolerance > now / 1000) {
          requireScopes(hit.claims, required);
          return hit.claims;
        }
        verified.delete(token);
        if (hit.claims.exp + clockTolerance <= now / 1000) throw new AccessTokenError('invalid_token', 'token expired');
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: algorithms as JWSAlgorithm[],
          typ: 'at+jwt',
          clockTolerance,
          requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id'],
        }));
      } catch (error) {
        if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isFetchFailure(error)) {
          throw new AccessTokenError('temporarily_unavailable', 'JWKS unavailable', { cause: error });
        }
        throw new AccessTokenError('invalid_token', describe(error), { cause: error });
      }
      const claims = toClaims(payload);
      if (cacheSize > 0) {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, { claims, until: Math.min(now + cacheTtlMs, claims.exp * 1000) });
      }
      requireScopes(claims, required);
      return claims;
    },
  };
}

function toClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const { iss, sub, aud, exp, iat, jti, client_id: clientId, scope } = payload;
  if (
    typeof iss !== 'string' ||
    typeof sub !== 'string' ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    typeof jti !== 'string' ||
    typeof clientId !== 'string' ||
    (scope !== undefined && typeof scope !== 'string')
  ) {
    throw new AccessTokenError('invalid_token', 'malformed claims');
  }
  const audiences = Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [String(aud)];
  const scopeString = scope ?? '';
  return Object.freeze({
    iss,
    sub,
    aud: audiences,
    exp,
    iat,
    jti,
    clientId,
    scope: scopeString,
    scopes: Object.freeze(parseScope(scopeString)),
    raw: Object.freeze({ ...payload }),
  });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim check failed: ${error.claim} (${error.reason})`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return 'malformed token';
}

function isFetchFailure(error: unknown): boolean {
  // fetch() rejects with a TypeError when the JWKS host is unreachable; compared by
  // name because it may come from another realm (e.g. under a test runner's VM).
  return typeof error === 'object' && error !== null && (error as Error).name === 'TypeError' && !(error instanceof errors.JOSEError);
}
