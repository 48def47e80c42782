import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import { createLocalJWKSet } from 'jose';
import { AccessTokenError, createAccessTokenVerifierWithKeys } from '@flotilla/auth-verify';
import type { SigningKeySet } from '../../../domain/keys/signing-keys';
import type { TokenSigner } from '../../../domain/oauth/ports';

declare module 'fastify' {
  interface FastifyInstance {
    signingKeys: SigningKeySet;
    tokenSigner: TokenSigner;
  }
}

export interface SigningPluginOptions {
  keys: SigningKeySet;
  issuer: string;
  accessTokenAudience: string;
}

/**
 * Token signing through @fastify/jwt with the active ES256 key (kid in the header).
 * Access tokens follow RFC 9068 (typ at+jwt); ID tokens are plain JWTs for the client.
 * Our own access tokens are verified with libs/auth-verify against the published
 * key set, the same code every resource server runs.
 */
export default fp<SigningPluginOptions>(
  async (app, options) => {
    const { keys, issuer, accessTokenAudience } = options;
    await app.register(jwt, {
      secret: { private: keys.privateKeyPem, public: keys.publicKeyPem },
      sign: { algorithm: 'ES256', kid: keys.activeKid, iss: issuer },
      verify: { algorithms: ['ES256'], allowedIss: issuer },
    });
    const verifier = createAccessTokenVerifierWithKeys(createLocalJWKSet({ keys: [...keys.publicJwks.keys] }), {
      issuer,
      audience: accessTokenAudience,
      algorithms: ['ES256'],
      clockToleranceSeconds: 0,
    });

    const signer: TokenSigner = {
      signAccessToken: (claims) => app.jwt.sign({ ...claims, aud: accessTokenAudience }, { header: { alg: 'ES256', typ: 'at+jwt', kid: keys.activeKid } }),
      signIdToken: (claims) => app.jwt.sign({ ...claims }),
      async verifyAccessToken(token) {
        try {
          const claims = await verifier.verify(token);
          return { jti: claims.jti, sub: claims.sub, clientId: claims.clientId, scope: claims.scope, exp: claims.exp, iat: claims.iat };
        } catch (error) {
          if (error instanceof AccessTokenError) return undefined;
          throw error;
        }
      },
    };
    app.decorate('signingKeys', keys);
    app.decorate('tokenSigner', signer);
  },
  { name: 'signing', fastify: '5.x' },
);
