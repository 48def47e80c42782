import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AccessTokenError, createAccessTokenVerifier } from '../../src';

const issuer = 'https://auth.example.test';
const audience = 'flotilla-api';

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function sign(key: Key) {
  return new SignJWT({ client_id: 'svc', scope: 'ledger:read' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('svc')
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

describe('createAccessTokenVerifier against a served JWKS', () => {
  let server: Server;
  let published: JWK[] = [];
  let fetches = 0;
  let jwksUri: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('when the cache is warm, then repeated verifications do not refetch the JWKS', async () => {
    const k1 = await newKey('warm-1');
    published = [k1.jwk];
    fetches = 0;
    const verifier = createAccessTokenVerifier({ issuer, audience, jwksUri, algorithms: ['ES256'], jwksCooldownMs: 0 });
    for (let i = 0; i < 5; i += 1) await verifier.verify(await sign(k1));
    expect(fetches).toBe(1);
  });

  it('when a token names a kid published after the first fetch, then the JWKS is refetched and the token accepted', async () => {
    const k1 = await newKey('rot-1');
    const k2 = await newKey('rot-2');
    published = [k1.jwk];
    fetches = 0;
    const verifier = createAccessTokenVerifier({ issuer, audience, jwksUri, algorithms: ['ES256'], jwksCooldownMs: 0 });
    await verifier.verify(await sign(k1));
    published = [k1.jwk, k2.jwk];
    const claims = await verifier.verify(await sign(k2));
    expect(claims.sub).toBe('svc');
    expect(fetches).toBe(2);
  });

  it('when a token names a kid that is never published, then it is rejected as invalid_token', async () => {
    const k1 = await newKey('only-1');
    const stranger = await newKey('stranger');
    published = [k1.jwk];
    const verifier = createAccessTokenVerifier({ issuer, audience, jwksUri, algorithms: ['ES256'], jwksCooldownMs: 0 });
    const error = await verifier.verify(await sign(stranger)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessTokenError);
    expect((error as AccessTokenError).code).toBe('invalid_token');
  });

  it('when the JWKS host is unreachable, then verification fails with temporarily_unavailable', async () => {
    const k1 = await newKey('down-1');
    const verifier = createAccessTokenVerifier({ issuer, audience, jwksUri: 'http://127.0.0.1:9/jwks', jwksTimeoutMs: 1000 });
    const error = await verifier.verify(await sign(k1)).catch((e: unknown) => e);
    expect((error as AccessTokenError).code).toBe('temporarily_unavailable');
    expect((error as AccessTokenError).statusCode).toBe(503);
  });
});
