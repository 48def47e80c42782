import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, uniqueEmail, GOOD_PASSWORD } from '../helper';

const setCookies = (headers: Record<string, unknown>) =>
  ([] as string[]).concat(
    (headers['set-cookie'] as string[] | string | undefined) ?? [],
  );
const named = (cookies: string[], name: string) =>
  cookies.find((c) => c.startsWith(`${name}=`));

/**
 * With COOKIE_SECURE (every deployment but plain-http development), each auth
 * cookie is a `__Host-` cookie: Secure, Path=/, no Domain, so a sibling
 * subdomain cannot plant one (RFC 6265bis §4.1.3.2; ASVS 5.0 V3.3.1).
 */
describe('auth cookies under the /auth prefix (real PostgreSQL)', () => {
  let secure: KitInstance;
  let plain: KitInstance;

  beforeAll(async () => {
    secure = await buildTestApp({
      ISSUER: 'https://app.test/auth',
      ROUTE_PREFIX: '/auth',
      COOKIE_SECURE: 'true',
    });
    plain = await buildTestApp({
      ISSUER: 'http://localhost:8080/auth',
      ROUTE_PREFIX: '/auth',
      COOKIE_SECURE: 'false',
    });
  });
  afterAll(async () => {
    await secure?.close();
    await plain?.close();
  });

  async function signUpAndIn(app: KitInstance) {
    const browser = new Browser(app);
    const page = await browser.get('/auth/login');
    const email = uniqueEmail('host-cookie');
    const registered = await app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, displayName: 'Host Cookie', password: GOOD_PASSWORD },
    });
    expect(registered.statusCode).toBe(201);
    const signedIn = await browser.submit('/auth/login', '/auth/login', {
      email,
      password: GOOD_PASSWORD,
    });
    expect(signedIn.statusCode).toBe(303);
    return {
      page: setCookies(page.headers),
      signedIn: setCookies(signedIn.headers),
    };
  }

  it('when COOKIE_SECURE is on, then the CSRF and session cookies are __Host- cookies: Secure, Path=/, no Domain', async () => {
    const { page, signedIn } = await signUpAndIn(secure);
    const csrf = named(page, '__Host-auth_csrf');
    const session = named(signedIn, '__Host-auth_session');
    for (const cookie of [csrf, session]) {
      expect(cookie).toBeDefined();
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/; Path=\/(;|$)/);
      expect(cookie).not.toMatch(/Domain=/i);
      expect(cookie).toMatch(/HttpOnly/i);
    }
    expect(named(signedIn, 'auth_session')).toBeUndefined();
  });

  it('when COOKIE_SECURE is on and a cookie is cleared (sign-out, a passkey ceremony answered), then the clearing Set-Cookie is Secure with Path=/ under the __Host- name, so the browser accepts it', async () => {
    const browser = new Browser(secure);
    const email = uniqueEmail('host-clear');
    expect((await secure.inject({ method: 'POST', url: '/auth/register', payload: { email, displayName: 'Host Clear', password: GOOD_PASSWORD } })).statusCode).toBe(201);
    expect((await browser.submit('/auth/login', '/auth/login', { email, password: GOOD_PASSWORD })).statusCode).toBe(303);

    const csrf = await browser.csrfOf('/auth/login');
    expect((await browser.postJson('/auth/login/passkey/options', csrf)).statusCode).toBe(200);
    const answered = await browser.postJson('/auth/login/passkey', csrf, {
      response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {}, clientExtensionResults: {} },
    });
    const signedOut = await browser.submit('/auth/logout', '/auth/logout', {});

    expect(answered.statusCode).toBe(401);
    expect(signedOut.statusCode).toBe(200);
    for (const cleared of [named(setCookies(answered.headers), '__Host-auth_webauthn'), named(setCookies(signedOut.headers), '__Host-auth_session')]) {
      expect(cleared).toBeDefined();
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
      expect(cleared).toMatch(/; Secure/i);
      expect(cleared).toMatch(/; Path=\/(;|$)/);
      expect(cleared).not.toMatch(/Domain=/i);
    }
  });

  it('when COOKIE_SECURE is off (plain-http development), then the names carry no prefix, which browsers would refuse without Secure', async () => {
    const { page, signedIn } = await signUpAndIn(plain);
    expect(named(page, 'auth_csrf')).not.toMatch(/; Secure/i);
    expect(named(signedIn, 'auth_session')).toMatch(/HttpOnly/i);
    expect([...page, ...signedIn].join('\n')).not.toContain('__Host-');
  });
});
