import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createAccessTokenVerifierWithKeys, type AccessTokenVerifier } from '@flotilla/auth-verify';

export const TEST_ISSUER = 'http://auth.test/auth';
export const TEST_AUDIENCE = 'flotilla-api';

export interface TestTokenIssuer {
  verifier: AccessTokenVerifier;
  jwks: { keys: JWK[] };
  sign(claims: { sub: string; scope: string; email?: string; name?: string; expiresInSeconds?: number; aud?: string }): Promise<string>;
}

/**
 * An ES256 key of our own and a verifier reading it from a local JWKS: the same
 * verification code (pinned alg, iss, aud, typ at+jwt) as production, without
 * a JWKS HTTP fetch.
 */
export async function createTestTokenIssuer(): Promise<TestTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const verifier = createAccessTokenVerifierWithKeys(createLocalJWKSet(jwks), {
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    algorithms: ['ES256'],
  });
  return {
    verifier,
    jwks,
    sign: (claims) => signWith(privateKey, claims),
  };
}

async function signWith(
  key: CryptoKey,
  claims: { sub: string; scope: string; email?: string; name?: string; expiresInSeconds?: number; aud?: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    scope: claims.scope,
    client_id: 'test-client',
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.name ? { name: claims.name } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'test-key' })
    .setIssuer(TEST_ISSUER)
    .setAudience(claims.aud ?? TEST_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInSeconds ?? 300))
    .setJti(randomUUID())
    .sign(key);
}
