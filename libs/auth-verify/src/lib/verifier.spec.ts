import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AccessTokenError } from './errors';
import { requireScopes } from './scopes';
import { createAccessTokenVerifierWithKeys } from './verifier';

const issuer = 'https://auth.example.test';
const audience = 'flotilla-api';

let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  strangerKey = (await generateKeyPair('ES256')).privateKey;
});

function verifier(requiredScopes?: string[]) {
  return createAccessTokenVerifierWithKeys(createLocalJWKSet({ keys: [publicJwk] }), {
    issuer,
    audience,
    algorithms: ['ES256'],
    requiredScopes,
  });
}

function token(overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey; exp?: number; iss?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'bff', scope: 'openid accounts:read', ...overrides.claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...overrides.header })
    .setIssuer(overrides.iss ?? issuer)
    .setAudience(audience)
    .setSubject('user-1')
    .setJti('jti-1')
    .setIssuedAt(now)
    .setExpirationTime(overrides.exp ?? now + 300)
    .sign(overrides.key ?? signingKey);
}

function b64(value: unknown) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function rejection(promise: Promise<unknown>): Promise<AccessTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccessTokenError);
  return error as AccessTokenError;
}

describe('createAccessTokenVerifierWithKeys', () => {
  it('when the token is well formed and signed by a published key, then it returns typed claims', async () => {
    const claims = await verifier().verify(await token());
    expect(claims).toMatchObject({ iss: issuer, sub: 'user-1', aud: [audience], clientId: 'bff', jti: 'jti-1' });
    expect(claims.scopes).toEqual(['openid', 'accounts:read']);
  });

  it('when the token uses alg none, then it is rejected', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: issuer, aud: audience, sub: 'u', jti: 'j', client_id: 'c', iat: now, exp: now + 60 })}.`;
    const error = await rejection(verifier().verify(unsigned));
    expect(error.code).toBe('invalid_token');
    expect(error.statusCode).toBe(401);
  });

  it('when the audience is someone else, then it is rejected', async () => {
    const forged = await new SignJWT({ client_id: 'bff', scope: '' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('another-api')
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);
    expect((await rejection(verifier().verify(forged))).message).toMatch(/aud/);
  });

  it('when the issuer is wrong, then it is rejected', async () => {
    const forged = await token({ iss: 'https://evil.test' });
    expect((await rejection(verifier().verify(forged))).message).toMatch(/iss/);
  });

  it('when the token has expired, then it is rejected', async () => {
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await rejection(verifier().verify(expired))).message).toBe('token expired');
  });

  it('when the kid is not in the key set, then it is rejected', async () => {
    const unknown = await token({ header: { kid: 'k-unknown' }, key: strangerKey });
    expect((await rejection(verifier().verify(unknown))).code).toBe('invalid_token');
  });

  it('when the signature comes from another key under a known kid, then it is rejected', async () => {
    const forged = await token({ key: strangerKey });
    expect((await rejection(verifier().verify(forged))).message).toBe('signature verification failed');
  });

  it('when typ is not at+jwt (e.g. an ID token), then it is rejected', async () => {
    const idToken = await token({ header: { typ: 'JWT' } });
    expect((await rejection(verifier().verify(idToken))).message).toMatch(/typ/);
  });

  it('when client_id is missing, then it is rejected', async () => {
    const noClient = await token({ claims: { client_id: undefined } });
    expect((await rejection(verifier().verify(noClient))).message).toMatch(/client_id/);
  });

  it('when a required scope is missing, then it fails with insufficient_scope', async () => {
    const error = await rejection(verifier(['ledger:write']).verify(await token()));
    expect(error.code).toBe('insufficient_scope');
    expect(error.statusCode).toBe(403);
    expect(error.wwwAuthenticate()).toBe('Bearer realm="flotilla", error="insufficient_scope", scope="ledger:write"');
  });

  it('when the input is not a JWT, then it is rejected', async () => {
    expect((await rejection(verifier().verify('not-a-jwt'))).code).toBe('invalid_token');
    expect((await rejection(verifier().verify(''))).code).toBe('invalid_token');
  });

  it('when an HMAC algorithm is allowlisted, then construction fails', () => {
    expect(() =>
      createAccessTokenVerifierWithKeys(createLocalJWKSet({ keys: [] }), { issuer, audience, algorithms: ['HS256' as 'ES256'] }),
    ).toThrow(TypeError);
  });
});

describe('requireScopes', () => {
  it('when every scope is granted, then it passes', () => {
    expect(() => requireScopes({ scopes: ['a', 'b'] }, ['b'])).not.toThrow();
  });
  it('when one is missing, then it throws insufficient_scope', () => {
    expect(() => requireScopes({ scopes: ['a'] }, ['a', 'b'])).toThrow(AccessTokenError);
  });
});

describe('verified-token cache', () => {
  it('when a cached token expires, then the next call rejects it', async () => {
    const v = verifier();
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await token({ exp: now + 2 });
    await v.verify(shortLived);
    const later = jest.spyOn(Date, 'now').mockReturnValue((now + 10) * 1000);
    try {
      expect((await rejection(v.verify(shortLived))).message).toBe('token expired');
    } finally {
      later.mockRestore();
    }
  });

  it('when a cached token lacks a scope asked for later, then insufficient_scope', async () => {
    const v = verifier();
    const t = await token();
    await v.verify(t);
    expect((await rejection(v.verify(t, { requiredScopes: ['ledger:write'] }))).code).toBe('insufficient_scope');
  });

  it('when a token with a forged signature follows a valid one, then it is still rejected (cache is by exact token)', async () => {
    const v = verifier();
    const good = await token();
    await v.verify(good);
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${(await token({ key: strangerKey })).split('.')[2]}`;
    expect((await rejection(v.verify(forged))).code).toBe('invalid_token');
  });
});
