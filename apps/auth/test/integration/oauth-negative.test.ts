import * as oauth from 'oauth4webapi';
import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser, seedTestClients, TEST_CLIENTS } from '../helper';
import { authorize, bffAuth, bffClient, discover, exchange, introspect, ISSUER, requestOptions } from '../oauth-client';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('OAuth negative paths (real PostgreSQL)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;
  let signedIn: Browser;

  beforeAll(async () => {
    app = await buildTestApp();
    await seedTestClients(app);
    as = await discover(app);
    const user = await registerUser(app, undefined, 'negative');
    signedIn = new Browser(app);
    await signedIn.submit('/login', '/login', { email: user.email, password: user.password });
  });
  afterAll(() => app.close());

  const authorizeUrl = (params: Record<string, string | undefined>) => {
    const query = new URLSearchParams();
    const all: Record<string, string | undefined> = {
      client_id: TEST_CLIENTS.bff.id,
      redirect_uri: TEST_CLIENTS.bff.redirectUri,
      response_type: 'code',
      scope: 'openid api',
      state: 'st-1',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...params,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v);
    return `/authorize?${query.toString()}`;
  };

  const redirectError = (location: string | undefined) => {
    const url = new URL(String(location));
    expect(url.origin + url.pathname).toBe(TEST_CLIENTS.bff.redirectUri);
    return Object.fromEntries(url.searchParams);
  };

  it('when the PKCE challenge is missing, then invalid_request goes back to the client with state and iss, and no code', async () => {
    const response = await signedIn.get(authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }));
    expect(response.statusCode).toBe(302);
    const params = redirectError(response.headers.location);
    expect(params).toMatchObject({ error: 'invalid_request', state: 'st-1', iss: ISSUER });
    expect(params.code).toBeUndefined();
  });

  it('when the PKCE method is plain, then invalid_request', async () => {
    const response = await signedIn.get(authorizeUrl({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }));
    expect(redirectError(response.headers.location)).toMatchObject({ error: 'invalid_request' });
  });

  it('when response_type is token (implicit), then unsupported_response_type', async () => {
    const response = await signedIn.get(authorizeUrl({ response_type: 'token' }));
    expect(redirectError(response.headers.location)).toMatchObject({ error: 'unsupported_response_type' });
  });

  it('when the redirect_uri is not registered, then an error page is shown and nothing redirects', async () => {
    for (const uri of ['https://evil.test/callback', `${TEST_CLIENTS.bff.redirectUri}/`, `${TEST_CLIENTS.bff.redirectUri}?x=1`]) {
      const response = await signedIn.get(authorizeUrl({ redirect_uri: uri }));
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toContain('redirect_uri');
    }
  });

  it('when the client_id is unknown, then an error page is shown and nothing redirects', async () => {
    const response = await signedIn.get(authorizeUrl({ client_id: 'no-such-client' }));
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });

  it('when prompt=none and nobody is signed in, then login_required goes back to the client', async () => {
    const response = await new Browser(app).get(authorizeUrl({ prompt: 'none' }));
    expect(redirectError(response.headers.location)).toMatchObject({ error: 'login_required', state: 'st-1' });
  });

  it('when a code is redeemed twice, then the second fails and the tokens from the first are revoked', async () => {
    const user = await registerUser(app, undefined, 'replay');
    const flow = await authorize(app, as, user);
    const first = await exchange(app, as, flow);
    // A refresh before the replay: its access token belongs to the family, not to the code.
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      bffClient,
      await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, first.refresh_token as string, requestOptions(app)),
    );

    const params = oauth.validateAuthResponse(as, bffClient, flow.callback, flow.state);
    const again = await oauth.authorizationCodeGrantRequest(as, bffClient, bffAuth, params, TEST_CLIENTS.bff.redirectUri, flow.codeVerifier, requestOptions(app));
    await expect(oauth.processAuthorizationCodeResponse(as, bffClient, again)).rejects.toMatchObject({ error: 'invalid_grant' });

    const refresh = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, refreshed.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await introspect(app, as, first.access_token)).active).toBe(false);
    // RFC 9700 §4.5: the whole grant dies, including what later refreshes issued.
    expect((await introspect(app, as, refreshed.access_token)).active).toBe(false);
    const info = await app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(info.statusCode).toBe(401);
  });

  it('when a code has expired, then invalid_grant', async () => {
    const user = await registerUser(app, undefined, 'expired');
    const flow = await authorize(app, as, user);
    await app.prisma.authorizationCode.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(exchange(app, as, flow)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when the code_verifier does not match, then invalid_grant and the code is spent', async () => {
    const user = await registerUser(app, undefined, 'verifier');
    const flow = await authorize(app, as, user);
    await expect(exchange(app, as, { ...flow, codeVerifier: oauth.generateRandomCodeVerifier() })).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchange(app, as, flow)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when the redirect_uri at the token endpoint differs, then invalid_grant', async () => {
    const user = await registerUser(app, undefined, 'redir');
    const flow = await authorize(app, as, user);
    const params = oauth.validateAuthResponse(as, bffClient, flow.callback, flow.state);
    const response = await oauth.authorizationCodeGrantRequest(as, bffClient, bffAuth, params, 'https://app.test/other', flow.codeVerifier, requestOptions(app));
    await expect(oauth.processAuthorizationCodeResponse(as, bffClient, response)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('when the password grant or an unknown grant is asked for, then unsupported_grant_type', async () => {
    for (const grant of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const response = await app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${TEST_CLIENTS.bff.id}:${TEST_CLIENTS.bff.secret}`).toString('base64')}` },
        payload: `grant_type=${encodeURIComponent(grant)}&username=a&password=b`,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'unsupported_grant_type' });
    }
  });

  it('when the BFF asks for client_credentials, then unauthorized_client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, bffClient, bffAuth, { scope: 'api' }, requestOptions(app));
    await expect(oauth.processClientCredentialsResponse(as, bffClient, response)).rejects.toMatchObject({ error: 'unauthorized_client' });
  });

  describe('malformed bodies get 4xx and change nothing', () => {
    const basic = `Basic ${Buffer.from(`${TEST_CLIENTS.bff.id}:${TEST_CLIENTS.bff.secret}`).toString('base64')}`;
    const cases: [string, string, Record<string, string>, string | undefined][] = [
      ['token: JSON instead of a form', '/token', { 'content-type': 'application/json', authorization: basic }, '{"grant_type":"client_credentials"}'],
      ['token: repeated grant_type', '/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, 'grant_type=refresh_token&grant_type=refresh_token'],
      ['token: no body', '/token', { authorization: basic }, undefined],
      ['token: code grant without a code', '/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, 'grant_type=authorization_code'],
      ['token: malformed Basic header', '/token', { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic %%%' }, 'grant_type=client_credentials'],
      ['revoke: no token', '/revoke', { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, 'token_type_hint=access_token'],
      ['revoke: JSON', '/revoke', { 'content-type': 'application/json', authorization: basic }, '{"token":"x"}'],
      ['introspect: no token', '/introspect', { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, ''],
      ['introspect: broken JSON', '/introspect', { 'content-type': 'application/json', authorization: basic }, '{"token":'],
      ['register: broken JSON', '/register', { 'content-type': 'application/json' }, '{"email":'],
      ['register: text/plain', '/register', { 'content-type': 'text/plain' }, 'hello'],
      ['login: JSON', '/login', { 'content-type': 'application/json' }, '{"email":"a@b.c","password":"x"}'],
      ['logout: no CSRF token', '/logout', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
    ];

    it.each(cases)('when %s, then a 4xx', async (_label, url, headers, payload) => {
      const counts = async () =>
        Promise.all([app.prisma.user.count(), app.prisma.accessToken.count(), app.prisma.refreshTokenFamily.count(), app.prisma.session.count()]);
      const before = await counts();
      const response = await app.inject({ method: 'POST', url, headers, payload });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    });

    it('when the authorize query repeats a parameter, then invalid_request and no code', async () => {
      const response = await signedIn.get(`${authorizeUrl({})}&scope=api`);
      expect(redirectError(response.headers.location)).toMatchObject({ error: 'invalid_request' });
    });
  });
});

describe('served under a route prefix, as behind the gateway', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp({ ISSUER: 'http://localhost:8080/auth', ROUTE_PREFIX: '/auth' });
    await seedTestClients(app);
  });
  afterAll(() => app.close());

  it('when discovery is read under /auth, then every endpoint carries the public base URL', async () => {
    const response = await app.inject({ method: 'GET', url: '/auth/.well-known/openid-configuration' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      issuer: 'http://localhost:8080/auth',
      token_endpoint: 'http://localhost:8080/auth/token',
      jwks_uri: 'http://localhost:8080/auth/jwks',
    });
    expect((await app.inject({ method: 'GET', url: '/auth/jwks' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('when an unauthenticated authorize arrives, then login and its return path stay under the prefix', async () => {
    const query = new URLSearchParams({
      client_id: TEST_CLIENTS.bff.id,
      redirect_uri: TEST_CLIENTS.bff.redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const response = await app.inject({ method: 'GET', url: `/auth/authorize?${query}` });
    expect(response.statusCode).toBe(303);
    const location = new URL(String(response.headers.location), 'http://localhost:8080');
    expect(location.pathname).toBe('/auth/login');
    expect(location.searchParams.get('return_to')).toMatch(/^\/auth\/authorize\?/);
    const login = await app.inject({ method: 'GET', url: `${location.pathname}${location.search}` });
    expect(login.body).toContain('action="/auth/login"');
    // The redirect chain after the POST ends at the client: form-action must allow its origin.
    expect(login.headers['content-security-policy']).toContain("form-action 'self' https://app.test;");
    expect(login.body).toContain('href="/auth/assets/auth.css"');
  });

  it('when the login page gets a return_to outside the authorize endpoint, then it is dropped (no open redirect)', async () => {
    const login = await app.inject({ method: 'GET', url: '/auth/login?return_to=https%3A%2F%2Fevil.test%2F' });
    expect(login.body).not.toContain('evil.test');
  });
});
