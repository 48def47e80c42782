export { AccessTokenError, type AccessTokenErrorCode } from './lib/errors';
export { extractBearerToken, parseScope, requireScopes } from './lib/scopes';
export {
  createAccessTokenVerifier,
  createAccessTokenVerifierWithKeys,
  type AccessTokenClaims,
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  type AsymmetricAlgorithm,
  type VerifyOptions,
} from './lib/verifier';
