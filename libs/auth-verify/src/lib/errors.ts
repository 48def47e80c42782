/**
 * Why a bearer token was refused, in RFC 6750 §3.1 terms: `invalid_token` maps to
 * 401 and `insufficient_scope` to 403; `temporarily_unavailable` (the JWKS could not be
 * fetched) is the verifier's problem, not the caller's, and maps to 503. The message is safe to log but is not meant
 * for clients; send them only the code (a WWW-Authenticate header).
 */
export type AccessTokenErrorCode = 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

export class AccessTokenError extends Error {
  readonly code: AccessTokenErrorCode;
  readonly statusCode: 401 | 403 | 503;
  readonly requiredScopes: readonly string[];

  constructor(code: AccessTokenErrorCode, message: string, options?: { cause?: unknown; requiredScopes?: readonly string[] }) {
    super(message, { cause: options?.cause });
    this.name = 'AccessTokenError';
    this.code = code;
    this.statusCode = code === 'invalid_token' ? 401 : code === 'insufficient_scope' ? 403 : 503;
    this.requiredScopes = options?.requiredScopes ?? [];
  }

  /** The RFC 6750 §3 challenge to send back with the 401/403. */
  wwwAuthenticate(realm = 'flotilla'): string {
    const parts = [`realm="${realm}"`];
    if (this.code !== 'temporarily_unavailable') parts.push(`error="${this.code}"`);
    if (this.code === 'insufficient_scope' && this.requiredScopes.length > 0) {
      parts.push(`scope="${this.requiredScopes.join(' ')}"`);
    }
    return `Bearer ${parts.join(', ')}`;
  }
}
