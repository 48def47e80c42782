import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { userSignedOutEvent } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp, waitFor } from '../../helper';
import { createTestPool, randomKey } from '../../support/ledger-fixtures';
import type {} from '../../../src/app/consumers/user-events';
import type {} from '../../../src/app/plugins/external/messaging';
import { freePort, startRealAuthService, type AuthBrowser, type RealAuthService } from '../../support/real-auth-service';

const CLIENT = {
  id: `api-bff-test-${randomUUID().slice(0, 8)}`,
  secret: `bff-${randomUUID()}-${randomUUID()}`,
  scopes: ['openid', 'profile', 'email', 'offline_access', 'ledger:read', 'ledger:write'],
};

let auth: RealAuthService;
let api: KitInstance;
let apiOrigin: string;
let pool: Pool;

/** The browser's cookie jar for the API's origin. */
class ApiBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: () => KitInstance = () => api) {}

  async request(method: 'GET' | 'POST', url: string, options: { headers?: Record<string, string>; payload?: unknown } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response: LightMyRequestResponse = await this.app().inject({ method, url, headers, ...(options.payload ? { payload: options.payload as object } : {}) });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || cookie.value === '' || (cookie.expires && cookie.expires.getTime() <= Date.now());
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

beforeAll(async () => {
  const apiPort = await freePort();
  apiOrigin = `http://127.0.0.1:${apiPort}`;
  auth = await startRealAuthService({ ...CLIENT, redirectUri: `${apiOrigin}/api/auth/callback`, postLogoutRedirectUri: `${apiOrigin}/` });
  api = await buildTestApp({
    BFF_ENABLED: 'true',
    AUTH_ISSUER: auth.issuer,
    OAUTH_CLIENT_ID: CLIENT.id,
    OAUTH_CLIENT_SECRET: CLIENT.secret,
    OAUTH_SCOPES: CLIENT.scopes.join(' '),
    PUBLIC_BASE_URL: apiOrigin,
    COOKIE_SECURE: 'false',
  });
  pool = createTestPool(2);
});

afterAll(async () => {
  await api?.close();
  await auth?.close();
  await pool?.end();
});

/** The API's /api/auth/login, followed to the auth service's first answer. */
async function startLogin(browser: ApiBrowser, authBrowser: AuthBrowser, returnTo: string) {
  const start = await browser.request('GET', `/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.statusCode).toBe(302);
  const authorize = new URL(String(start.headers.location));
  expect(authorize.origin).toBe(auth.issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('client_id')).toBe(CLIENT.id);
  return authBrowser.get(`${authorize.pathname}${authorize.search}`);
}

/** Login as a browser would: API → auth (sign-in form) → API callback. */
async function signIn(
  browser: ApiBrowser,
  returnTo = '/dashboard',
  authBrowser: AuthBrowser = new auth.helper.Browser(auth.app),
  existing?: { email: string; id: string; password: string },
) {
  const user = existing ?? (await auth.helper.registerUser(auth.app, undefined, 'bff'));
  let response = await startLogin(browser, authBrowser, returnTo);
  if (response.statusCode === 303) {
    const loginUrl = String(response.headers.location);
    const submitted = await authBrowser.submit(loginUrl, new URL(loginUrl, auth.issuer).pathname, { email: user.email, password: user.password });
    expect(submitted.statusCode).toBe(303);
    response = await authBrowser.get(String(submitted.headers.location));
  }
  expect(response.statusCode).toBe(302);
  const callback = new URL(String(response.headers.location));
  expect(`${callback.origin}${callback.pathname}`).toBe(`${apiOrigin}/api/auth/callback`);

  const landed = await browser.request('GET', `${callback.pathname}${callback.search}`);
  return { user, landed, authBrowser };
}

describe('BFF login against the real auth service', () => {
  it('when a user signs in, then the browser holds only an opaque session and CSRF cookie, and /api/me names the user', async () => {
    const browser = new ApiBrowser();

    const { user, landed } = await signIn(browser);

    expect(landed.statusCode).toBe(302);
    expect(landed.headers.location).toBe('/dashboard');
    const setCookies = ([] as string[]).concat(landed.headers['set-cookie'] ?? []);
    const session = setCookies.find((c) => c.startsWith('flotilla_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(setCookies.find((c) => c.startsWith('csrf_token='))).not.toMatch(/HttpOnly/i);
    expect(setCookies.join('\n')).not.toMatch(/eyJ/);
    const me = await browser.request('GET', '/api/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      user: { id: user.id, email: user.email, displayName: expect.any(String) },
      scopes: expect.arrayContaining(['ledger:read', 'ledger:write']),
    });
    expect(me.body).not.toMatch(/eyJ/);
    const { rows } = await pool.query('SELECT access_token, refresh_token FROM session WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].access_token).toMatch(/^v1\./);
    expect(rows[0].refresh_token).toMatch(/^v1\./);
  });

  it('when a cookie-authenticated POST lacks the CSRF header, then 403 and nothing moves; with it, the deposit succeeds', async () => {
    const browser = new ApiBrowser();
    await signIn(browser);
    const deposit = (headers: Record<string, string>) =>
      browser.request('POST', '/api/deposits', { headers: { 'content-type': 'application/json', 'idempotency-key': randomKey(), ...headers }, payload: { amount: 5_000 } });

    const forged = await deposit({});
    const wrong = await deposit({ 'x-csrf-token': 'not-the-token' });
    const genuine = await deposit({ 'x-csrf-token': browser.cookies.get('csrf_token') ?? '' });

    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'CSRF_FAILED' });
    expect(wrong.statusCode).toBe(403);
    expect(genuine.statusCode).toBe(201);
    const account = await browser.request('GET', '/api/account');
    expect(account.json().balance).toBe(5_000);
  });

  it('when the access token is about to expire, then the API refreshes it server-side and the request succeeds', async () => {
    const browser = new ApiBrowser();
    const { user } = await signIn(browser);
    const before = await pool.query('SELECT access_token, refresh_token FROM session WHERE user_id = $1', [user.id]);
    await pool.query("UPDATE session SET access_expires_at = now() - interval '1 second' WHERE user_id = $1", [user.id]);

    const [first, second] = await Promise.all([browser.request('GET', '/api/account'), browser.request('GET', '/api/account')]);

    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const after = await pool.query('SELECT access_token, refresh_token, access_expires_at FROM session WHERE user_id = $1', [user.id]);
    expect(after.rows[0].access_token).not.toBe(before.rows[0].access_token);
    expect(after.rows[0].refresh_token).not.toBe(before.rows[0].refresh_token);
    expect(after.rows[0].access_expires_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('when a session has been idle longer than SESSION_IDLE_TIMEOUT_SECONDS (default 15 min), then it is refused server-side, however long its lifetime', async () => {
    const browser = new ApiBrowser();
    const { user } = await signIn(browser);
    await pool.query("UPDATE session SET last_used_at = now() - interval '16 minutes' WHERE user_id = $1", [user.id]);

    const me = await browser.request('GET', '/api/me');

    expect(me.statusCode).toBe(401);
    const { rows } = await pool.query('SELECT expires_at > now() AS within_lifetime FROM session WHERE user_id = $1', [user.id]);
    expect(rows.every((r) => r.within_lifetime)).toBe(true);
  });

  it('when a session is used within the idle timeout, then every use moves its last use forward and it stays alive', async () => {
    const browser = new ApiBrowser();
    const { user } = await signIn(browser);
    await pool.query("UPDATE session SET last_used_at = now() - interval '14 minutes' WHERE user_id = $1", [user.id]);

    expect((await browser.request('GET', '/api/me')).statusCode).toBe(200);

    const { rows } = await pool.query("SELECT last_used_at > now() - interval '1 minute' AS fresh FROM session WHERE user_id = $1", [user.id]);
    expect(rows).toEqual([{ fresh: true }]);
    await pool.query("UPDATE session SET last_used_at = now() - interval '14 minutes' WHERE user_id = $1", [user.id]);
    expect((await browser.request('GET', '/api/account')).statusCode).toBe(200);
  });

  it('when the user logs out, then the session is gone and /api/me is 401', async () => {
    const browser = new ApiBrowser();
    const { user } = await signIn(browser);

    const refused = await browser.request('POST', '/api/auth/logout');
    const out = await browser.request('POST', '/api/auth/logout', { headers: { 'x-csrf-token': browser.cookies.get('csrf_token') ?? '' } });

    expect(refused.statusCode).toBe(403);
    expect(out.statusCode).toBe(200);
    expect((await browser.request('GET', '/api/me')).statusCode).toBe(401);
    expect((await pool.query('SELECT 1 FROM session WHERE user_id = $1', [user.id])).rows).toEqual([]);
  });

  it('when the user logs out and follows redirectTo, then the auth session ends too and the next login asks for the password', async () => {
    const browser = new ApiBrowser();
    const { user, authBrowser } = await signIn(browser);
    const silent = await startLogin(new ApiBrowser(), authBrowser, '/');
    expect(silent.statusCode).toBe(302);
    expect(String(silent.headers.location)).toContain('/api/auth/callback?');

    const out = await browser.request('POST', '/api/auth/logout', { headers: { 'x-csrf-token': browser.cookies.get('csrf_token') ?? '' } });

    expect(out.statusCode).toBe(200);
    const redirectTo = new URL(out.json().redirectTo);
    const discovery = (await auth.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    expect(`${redirectTo.origin}${redirectTo.pathname}`).toBe(discovery.end_session_endpoint);
    expect(redirectTo.searchParams.get('client_id')).toBe(CLIENT.id);
    expect(redirectTo.searchParams.get('post_logout_redirect_uri')).toBe(`${apiOrigin}/`);
    const state = redirectTo.searchParams.get('state');
    expect(state).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(decodeJwt(redirectTo.searchParams.get('id_token_hint') ?? '')).toMatchObject({ sub: user.id, aud: CLIENT.id, iss: auth.issuer });

    const endSessionPath = `${redirectTo.pathname}${redirectTo.search}`;
    const confirmed = await authBrowser.submit(endSessionPath, redirectTo.pathname, {});
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe(`${apiOrigin}/?state=${state}`);

    const next = await startLogin(new ApiBrowser(), authBrowser, '/');
    expect(next.statusCode).toBe(303);
    expect(new URL(String(next.headers.location), auth.issuer).pathname).toBe('/login');
  });

  it('when logout is posted without any session, then the cookies are cleared and the browser is still sent to end the provider session', async () => {
    const browser = new ApiBrowser();

    const out = await browser.request('POST', '/api/auth/logout');

    expect(out.statusCode).toBe(200);
    const redirectTo = new URL(out.json().redirectTo);
    expect(redirectTo.searchParams.has('id_token_hint')).toBe(false);
    expect(redirectTo.searchParams.get('client_id')).toBe(CLIENT.id);
    expect(([] as string[]).concat(out.headers['set-cookie'] ?? []).join('\n')).toMatch(/flotilla_session=;/);
  });

  it.each(['//evil.example/steal', '/\t/evil.example'])('when returnTo %p points off-site, then the callback lands on / instead', async (returnTo) => {
    const browser = new ApiBrowser();

    const { landed } = await signIn(browser, returnTo);

    expect(landed.headers.location).toBe('/');
  });

  it('when "Create account" starts the flow with prompt=create, then the provider opens its sign-up form with the way back', async () => {
    const browser = new ApiBrowser();

    const start = await browser.request('GET', '/api/auth/login?returnTo=%2F&prompt=create');

    expect(start.statusCode).toBe(302);
    const authorize = new URL(String(start.headers.location));
    expect(authorize.searchParams.get('prompt')).toBe('create');
    const answer = await new auth.helper.Browser(auth.app).get(`${authorize.pathname}${authorize.search}`);
    expect(answer.statusCode).toBe(303);
    const form = new URL(String(answer.headers.location), auth.issuer);
    expect(form.pathname).toBe('/register');
    expect(form.searchParams.get('return_to')).toMatch(/^\/authorize\?/);
  });

  it('when the callback arrives without the state cookie, then 400 LOGIN_FAILED and no session is created', async () => {
    const browser = new ApiBrowser();
    await browser.request('GET', '/api/auth/login');
    browser.cookies.clear();

    const response = await browser.request('GET', '/api/auth/callback?code=abc&state=forged');

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'LOGIN_FAILED' });
    expect(response.headers['set-cookie'] ?? '').not.toContain('flotilla_session=');
  });
});

/**
 * COOKIE_SECURE (every deployment but plain-http development): each BFF cookie,
 * and @fastify/oauth2's state and PKCE verifier cookies, is a `__Host-` cookie:
 * Secure, Path=/, no Domain, so a sibling subdomain cannot plant a session or
 * a login (RFC 6265bis §4.1.3.2; RFC 9700 §4.2.4).
 */
describe('BFF cookies with COOKIE_SECURE=true', () => {
  let secureApi: KitInstance;
  beforeAll(async () => {
    secureApi = await buildTestApp({
      BFF_ENABLED: 'true',
      AUTH_ISSUER: auth.issuer,
      OAUTH_CLIENT_ID: CLIENT.id,
      OAUTH_CLIENT_SECRET: CLIENT.secret,
      OAUTH_SCOPES: CLIENT.scopes.join(' '),
      PUBLIC_BASE_URL: apiOrigin,
      COOKIE_SECURE: 'true',
    });
  });
  afterAll(() => secureApi?.close());

  const hostOnly = (cookie: string | undefined) => {
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(cookie).not.toMatch(/Domain=/i);
  };

  it('when a user signs in, then the state, verifier, return, session and CSRF cookies are all __Host- cookies, and the CSRF pair still works', async () => {
    const browser = new ApiBrowser(() => secureApi);
    const start = await browser.request('GET', '/api/auth/login?returnTo=%2Fdashboard');
    const started = ([] as string[]).concat(start.headers['set-cookie'] ?? []);
    for (const name of ['__Host-oauth2-redirect-state', '__Host-oauth2-code-verifier', '__Host-flotilla_return_to']) {
      hostOnly(started.find((c) => c.startsWith(`${name}=`)));
    }
    browser.cookies.clear();

    const { landed } = await signIn(browser);

    expect(landed.headers.location).toBe('/dashboard');
    const set = ([] as string[]).concat(landed.headers['set-cookie'] ?? []);
    const session = set.find((c) => c.startsWith('__Host-flotilla_session='));
    const csrf = set.find((c) => c.startsWith('__Host-csrf_token='));
    hostOnly(session);
    hostOnly(csrf);
    expect(session).toMatch(/HttpOnly/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(set.some((c) => /^(flotilla_session|csrf_token)=/.test(c))).toBe(false);
    const deposit = await browser.request('POST', '/api/deposits', {
      headers: { 'content-type': 'application/json', 'idempotency-key': randomKey(), 'x-csrf-token': browser.cookies.get('__Host-csrf_token') ?? '' },
      payload: { amount: 1_000 },
    });
    expect(deposit.statusCode).toBe(201);
  });

  it('when a session id arrives under the bare cookie name (planted by a sibling subdomain), then it is not a session', async () => {
    const browser = new ApiBrowser(() => secureApi);
    await signIn(browser);
    const id = browser.cookies.get('__Host-flotilla_session') ?? '';
    expect(id).not.toBe('');
    browser.cookies.clear();
    browser.cookies.set('flotilla_session', id);

    expect((await browser.request('GET', '/api/me')).statusCode).toBe(401);
  });
});

/**
 * A sign-out at the provider revokes the refresh families of that provider
 * session; the API learns of it from user.signed_out and re-checks each of the
 * user's BFF sessions with the provider (a refresh) before its next use, so a
 * session whose grant was revoked ends at once instead of when its access
 * token expires.
 */
describe('BFF sessions after a sign-out at the provider', () => {
  let consumerApi: KitInstance;
  beforeAll(async () => {
    consumerApi = await buildTestApp({
      BFF_ENABLED: 'true',
      CONSUMERS_ENABLED: 'true',
      AUTH_ISSUER: auth.issuer,
      OAUTH_CLIENT_ID: CLIENT.id,
      OAUTH_CLIENT_SECRET: CLIENT.secret,
      OAUTH_SCOPES: CLIENT.scopes.join(' '),
      PUBLIC_BASE_URL: apiOrigin,
      COOKIE_SECURE: 'false',
    });
    await consumerApi.userEventsConsumer.waitForReady();
  });
  afterAll(() => consumerApi?.close());

  it('when user.signed_out arrives, then the session whose provider session ended is refused at once, and the user\'s other session is re-checked and stays', async () => {
    const user = await auth.helper.registerUser(auth.app, undefined, 'bff-signout');
    const laptop = { api: new ApiBrowser(() => consumerApi), auth: new auth.helper.Browser(auth.app) };
    const phone = { api: new ApiBrowser(() => consumerApi), auth: new auth.helper.Browser(auth.app) };
    await signIn(laptop.api, '/', laptop.auth, user);
    await signIn(phone.api, '/', phone.auth, user);
    const before = await pool.query('SELECT id_hash, access_token FROM session WHERE user_id = $1', [user.id]);
    expect(before.rows).toHaveLength(2);

    // The laptop signs out at the provider itself (its own logout page), not through the API.
    const signedOut = await laptop.auth.submit('/logout', '/logout', {});
    expect(signedOut.statusCode).toBe(200);
    expect((await laptop.api.request('GET', '/api/me')).statusCode).toBe(200);
    const messageId = randomUUID();
    await consumerApi.messaging.publisher.publish(userSignedOutEvent, { userId: user.id, signedOutAt: new Date().toISOString() }, { messageId });
    await waitFor(async () => {
      const { rows } = await pool.query("SELECT 1 FROM processed_message WHERE consumer = 'ledger.user-events' AND message_id = $1", [messageId]);
      return rows.length === 1;
    });

    expect((await laptop.api.request('GET', '/api/me')).statusCode).toBe(401);
    expect((await phone.api.request('GET', '/api/me')).statusCode).toBe(200);
    const after = await pool.query('SELECT access_token FROM session WHERE user_id = $1', [user.id]);
    expect(after.rows).toHaveLength(1);
    expect(before.rows.map((r) => r.access_token)).not.toContain(after.rows[0].access_token);
  });
});
