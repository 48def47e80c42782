import * as oauth from 'oauth4webapi';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { KitInstance } from '@flotilla/service-kit';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '@flotilla/auth-verify';
import { buildTestApp, registerUser, seedTestClients, TEST_CLIENTS } from '../helper';
import { authorize, bffAuth, bffClient, discover, exchange, introspect as introspectAt, ISSUER, requestOptions, serviceClient } from '../oauth-client';

describe('OAuth 2.1 / OIDC with oauth4webapi as the client (real PostgreSQL)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;
  let verifier: AccessTokenVerifier;

  beforeAll(async () => {
    app = await buildTestApp();
    await seedTestClients(app);
    // The verifier fetches the JWKS over real HTTP, as the API will.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    verifier = createAccessTokenVerifier({ issuer: ISSUER, audience: 'flotilla-api', jwksUri: `http://127.0.0.1:${port}/jwks` });
    as = await discover(app);
  });
  afterAll(() => app.close());

  it('when discovery is read, then it lists exactly the supported flows and methods', () => {
    expect(as).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'api']));
  });

  it('when the JWKS is fetched, then it publishes ES256 public keys with kid and no private parts', async () => {
    const response = await app.inject({ method: 'GET', url: '/jwks' });
    const { keys } = response.json() as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(key.d).toBeUndefined();
    }
  });

  it('when a user signs in through the code flow with PKCE, then tokens come back and the access token verifies via JWKS', async () => {
    const user = await registerUser(app, undefined, 'flow');
    const flow = await authorize(app, as, user);
    expect(flow.callback.origin + flow.callback.pathname).toBe(TEST_CLIENTS.bff.redirectUri);
    expect(flow.callback.searchParams.get('state')).toBe(flow.state);
    expect(flow.callback.searchParams.get('iss')).toBe(ISSUER);

    const tokens = await exchange(app, as, flow);

    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBeLessThanOrEqual(900);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    const claims = await verifier.verify(tokens.access_token, { requiredScopes: ['api'] });
    expect(claims).toMatchObject({ iss: ISSUER, sub: user.id, clientId: TEST_CLIENTS.bff.id, aud: ['flotilla-api'] });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(900);

    const idToken = oauth.getValidatedIdTokenClaims(tokens);
    expect(idToken).toMatchObject({ iss: ISSUER, aud: TEST_CLIENTS.bff.id, sub: user.id, nonce: flow.nonce, email: user.email });
    expect(decodeProtectedHeader(tokens.id_token as string).typ).toBe('JWT');
  });

  it('when userinfo is called with the access token, then it returns the scoped claims', async () => {
    const user = await registerUser(app, undefined, 'userinfo');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    const response = await oauth.userInfoRequest(as, bffClient, tokens.access_token, requestOptions(app));
    const info = await oauth.processUserInfoResponse(as, bffClient, user.id, response);
    expect(info).toEqual({ sub: user.id, email: user.email, email_verified: false, name: 'Test userinfo' });
  });

  it('when userinfo is called without or with a bad token, then 401 with a Bearer challenge', async () => {
    const none = await app.inject({ method: 'GET', url: '/userinfo' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const bad = await app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toContain('invalid_token');
  });

  it('when a refresh token is used, then it rotates; when the spent one is replayed, then the whole family is revoked', async () => {
    const user = await registerUser(app, undefined, 'refresh');
    const first = await exchange(app, as, await authorize(app, as, user));

    const secondResponse = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, first.refresh_token as string, requestOptions(app));
    const second = await oauth.processRefreshTokenResponse(as, bffClient, secondResponse);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await verifier.verify(second.access_token);

    const replay = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, first.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, replay)).rejects.toMatchObject({ error: 'invalid_grant' });

    // The legitimate holder's newer token died with the family, and so did its access token.
    const afterTheft = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, second.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, afterTheft)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspected = await introspectAt(app, as, second.access_token);
    expect(introspected.active).toBe(false);
  });

  it('when a refresh asks for a narrower scope, then the new access token has it; a wider scope is invalid_scope', async () => {
    const user = await registerUser(app, undefined, 'narrow');
    const first = await exchange(app, as, await authorize(app, as, user));

    const narrowed = await oauth.processRefreshTokenResponse(
      as,
      bffClient,
      await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, first.refresh_token as string, {
        ...requestOptions(app),
        additionalParameters: { scope: 'api' },
      }),
    );
    expect(narrowed.scope).toBe('api');
    expect((await verifier.verify(narrowed.access_token)).scopes).toEqual(['api']);

    const widened = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, narrowed.refresh_token as string, {
      ...requestOptions(app),
      additionalParameters: { scope: 'api admin' },
    });
    await expect(oauth.processRefreshTokenResponse(as, bffClient, widened)).rejects.toMatchObject({ error: 'invalid_scope' });

    // The refused request did not spend the token.
    const still = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, narrowed.refresh_token as string, requestOptions(app));
    expect((await oauth.processRefreshTokenResponse(as, bffClient, still)).access_token).toEqual(expect.any(String));
  });

  it('when another client presents the refresh token, then invalid_grant and the owner can still use it', async () => {
    const user = await registerUser(app, undefined, 'bound');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    const other: oauth.Client = { client_id: TEST_CLIENTS.other.id };

    const stolen = await oauth.refreshTokenGrantRequest(
      as,
      other,
      oauth.ClientSecretBasic(TEST_CLIENTS.other.secret),
      tokens.refresh_token as string,
      requestOptions(app),
    );
    await expect(oauth.processRefreshTokenResponse(as, other, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });

    const owner = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
    expect((await oauth.processRefreshTokenResponse(as, bffClient, owner)).access_token).toEqual(expect.any(String));
  });

  it('when another client presents the authorization code, then invalid_grant', async () => {
    const user = await registerUser(app, undefined, 'codebound');
    const flow = await authorize(app, as, user);
    const other: oauth.Client = { client_id: TEST_CLIENTS.other.id };
    const params = oauth.validateAuthResponse(as, bffClient, flow.callback, flow.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      other,
      oauth.ClientSecretBasic(TEST_CLIENTS.other.secret),
      params,
      TEST_CLIENTS.bff.redirectUri,
      flow.codeVerifier,
      requestOptions(app),
    );
    await expect(oauth.processAuthorizationCodeResponse(as, other, response)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when a refresh family is past its idle lifetime, then the refresh is refused', async () => {
    const user = await registerUser(app, undefined, 'idle');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    await app.prisma.refreshToken.updateMany({
      where: { family: { userId: user.id } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const response = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, response)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when a refresh family is past its absolute lifetime, then the refresh is refused', async () => {
    const user = await registerUser(app, undefined, 'absolute');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    await app.prisma.refreshTokenFamily.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, response)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when the service client uses client_credentials (basic and post), then it gets an API token verifiable via JWKS', async () => {
    for (const auth of [oauth.ClientSecretBasic(TEST_CLIENTS.service.secret), oauth.ClientSecretPost(TEST_CLIENTS.service.secret)]) {
      const response = await oauth.clientCredentialsGrantRequest(as, serviceClient, auth, { scope: 'api' }, requestOptions(app));
      const tokens = await oauth.processClientCredentialsResponse(as, serviceClient, response);
      expect(tokens.refresh_token).toBeUndefined();
      const claims = await verifier.verify(tokens.access_token, { requiredScopes: ['api'] });
      expect(claims).toMatchObject({ sub: TEST_CLIENTS.service.id, clientId: TEST_CLIENTS.service.id, scope: 'api' });
    }
  });

  it('when the client secret is wrong, then 401 invalid_client with a Basic challenge', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      serviceClient,
      oauth.ClientSecretBasic('definitely-not-the-secret'),
      { scope: 'api' },
      requestOptions(app),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await response.clone().json()).toMatchObject({ error: 'invalid_client' });
    await expect(oauth.processClientCredentialsResponse(as, serviceClient, response)).rejects.toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  });

  it('when the service client asks for a user scope, then invalid_scope', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      serviceClient,
      oauth.ClientSecretBasic(TEST_CLIENTS.service.secret),
      { scope: 'openid api' },
      requestOptions(app),
    );
    await expect(oauth.processClientCredentialsResponse(as, serviceClient, response)).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('when a token is introspected and then revoked (RFC 7009), then introspection (RFC 7662) turns inactive', async () => {
    const user = await registerUser(app, undefined, 'revoke');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    const introspect = (token: string) => introspectAt(app, as, token);

    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: user.id, client_id: TEST_CLIENTS.bff.id, token_type: 'Bearer' });
    expect(await introspect(tokens.refresh_token as string)).toMatchObject({ active: true, sub: user.id });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app)));
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, bffClient, bffAuth, tokens.access_token, requestOptions(app)));

    expect(await introspect(tokens.refresh_token as string)).toEqual({ active: false });
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    const info = await app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.statusCode).toBe(401);
  });

  it('when revocation gets an unknown token, then it still answers 200', async () => {
    const response = await oauth.revocationRequest(as, bffClient, bffAuth, 'no-such-token', requestOptions(app));
    expect(response.status).toBe(200);
  });

  it('when a client that is not a designated resource server introspects, then 403 and nothing about the token (RFC 7662 §4)', async () => {
    const user = await registerUser(app, undefined, 'scan');
    const tokens = await exchange(app, as, await authorize(app, as, user));

    const asBff = await oauth.introspectionRequest(as, bffClient, bffAuth, tokens.access_token, requestOptions(app));

    expect(asBff.status).toBe(403);
    const body = (await asBff.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'unauthorized_client' });
    expect(JSON.stringify(body)).not.toContain(user.email);
    expect(await introspectAt(app, as, tokens.access_token)).toMatchObject({ active: true, username: user.email });
  });

  it('when introspection is called without client authentication, then 401 invalid_client', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=abc',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('when an ID token is presented as an access token, then the verifier rejects it (typ)', async () => {
    const user = await registerUser(app, undefined, 'idtoken');
    const tokens = await exchange(app, as, await authorize(app, as, user));
    await expect(verifier.verify(tokens.id_token as string)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(decodeJwt(tokens.id_token as string).aud).toBe(TEST_CLIENTS.bff.id);
  });

  describe('RP-initiated logout', () => {
    const logoutUrl = (params: Record<string, string>) => `/logout?${new URLSearchParams(params).toString()}`;

    it('when the client sends the user to end_session_endpoint, then after confirming the session ends, its tokens are revoked and the browser returns with state', async () => {
      expect(as.end_session_endpoint).toBe(`${ISSUER}/logout`);
      const user = await registerUser(app, undefined, 'rplogout');
      const flow = await authorize(app, as, user);
      const tokens = await exchange(app, as, flow);
      const url = logoutUrl({ client_id: TEST_CLIENTS.bff.id, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri, state: 'bye-1' });

      const confirm = await flow.browser.get(url);
      expect(confirm.statusCode).toBe(200);
      expect(confirm.headers['content-security-policy']).toContain("form-action 'self' https://app.test");
      const done = await flow.browser.submit(url, '/logout', {});

      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe(`${TEST_CLIENTS.bff.postLogoutRedirectUri}?state=bye-1`);
      expect(flow.browser.cookies.has('auth_session')).toBe(false);
      const refresh = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
      await expect(oauth.processRefreshTokenResponse(as, bffClient, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
      const info = await app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(info.statusCode).toBe(401);
    });

    it('when the ID token hint names the client, then client_id may be omitted', async () => {
      const user = await registerUser(app, undefined, 'hint');
      const flow = await authorize(app, as, user);
      const tokens = await exchange(app, as, flow);
      const url = logoutUrl({ id_token_hint: tokens.id_token as string, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri });
      const done = await flow.browser.submit(url, '/logout', {});
      expect(done.headers.location).toBe(TEST_CLIENTS.bff.postLogoutRedirectUri);
    });

    it('when housekeeping has deleted the codes, then sign-out still revokes the refresh family granted in the session', async () => {
      const user = await registerUser(app, undefined, 'housekept');
      const flow = await authorize(app, as, user);
      const tokens = await exchange(app, as, flow);
      // What housekeeping does once the code is past its retention (ON DELETE SET NULL on the family).
      await app.prisma.authorizationCode.deleteMany({ where: { userId: user.id } });

      const done = await flow.browser.submit('/logout', '/logout', {});

      expect(done.statusCode).toBe(200);
      const refresh = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
      await expect(oauth.processRefreshTokenResponse(as, bffClient, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('when the ID token hint is not signed by this provider, then 400 and no redirect, even to a registered address', async () => {
      const { SignJWT, generateKeyPair } = await import('jose');
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({ sub: 'someone' })
        .setProtectedHeader({ alg: 'ES256', kid: (await app.inject({ method: 'GET', url: '/jwks' })).json().keys[0].kid })
        .setIssuer(ISSUER)
        .setAudience(TEST_CLIENTS.bff.id)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);

      const response = await app.inject({
        method: 'GET',
        url: logoutUrl({ id_token_hint: forged, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri }),
      });

      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
    });

    it('when the ID token hint was issued to another client than client_id, then 400; an expired genuine hint is accepted', async () => {
      const user = await registerUser(app, undefined, 'hintaud');
      const flow = await authorize(app, as, user);
      const tokens = await exchange(app, as, flow);

      const mismatched = await app.inject({
        method: 'GET',
        url: logoutUrl({ id_token_hint: tokens.id_token as string, client_id: TEST_CLIENTS.other.id, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri }),
      });
      expect(mismatched.statusCode).toBe(400);

      const expired = app.tokenSigner.signIdToken({ sub: user.id, aud: TEST_CLIENTS.bff.id, azp: TEST_CLIENTS.bff.id, iat: 1_000_000, exp: 1_000_600, auth_time: 1_000_000, amr: ['pwd'], acr: 'urn:flotilla:acr:1fa' });
      const accepted = await app.inject({
        method: 'GET',
        url: logoutUrl({ id_token_hint: expired, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri }),
      });
      expect(accepted.statusCode).toBe(303);
      expect(accepted.headers.location).toBe(TEST_CLIENTS.bff.postLogoutRedirectUri);
    });

    it('when nobody is signed in, then the browser goes straight back', async () => {
      const response = await app.inject({
        method: 'GET',
        url: logoutUrl({ client_id: TEST_CLIENTS.bff.id, post_logout_redirect_uri: TEST_CLIENTS.bff.postLogoutRedirectUri, state: 's' }),
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`${TEST_CLIENTS.bff.postLogoutRedirectUri}?state=s`);
    });

    it('when the post_logout_redirect_uri is not registered, then 400 and no redirect', async () => {
      const response = await app.inject({
        method: 'GET',
        url: logoutUrl({ client_id: TEST_CLIENTS.bff.id, post_logout_redirect_uri: 'https://evil.test/' }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
    });
  });
});
