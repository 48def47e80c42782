/** RFC 6749 §5.2 token endpoint errors (and RFC 7009/7662's use of them). */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

export class OAuthError extends Error {
  readonly error: TokenErrorCode;
  readonly statusCode: 400 | 401;

  constructor(error: TokenErrorCode, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.statusCode = error === 'invalid_client' ? 401 : 400;
  }
}
