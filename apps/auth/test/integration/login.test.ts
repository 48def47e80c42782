import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser } from '../helper';

describe('login page, session and throttling (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  });
  afterAll(() => app.close());

  it('when the login page is served, then it has labelled inputs and strict security headers', async () => {
    const response = await new Browser(app).get('/login');

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<label for="email">Email</label>');
    expect(response.body).toContain('<label for="password">Password</label>');
    expect(response.body).toMatch(/<input id="email" name="email" type="email" autocomplete="username"/);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-store');
    // Served over plain http in this test: no HSTS.
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('when the correct password is posted, then a httpOnly SameSite=Lax session cookie is set and the home page shows the user', async () => {
    const user = await registerUser(app, undefined, 'login');
    const browser = new Browser(app);

    const response = await browser.submit('/login', '/login', { email: user.email, password: user.password });

    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    const cookie = String(([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('auth_session=')));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await browser.get('/')).body).toContain(user.email);
  });

  it('when the password is wrong, then 401 and the error is announced without saying which field was wrong', async () => {
    const user = await registerUser(app, undefined, 'wrong');
    const response = await new Browser(app).submit('/login', '/login', { email: user.email, password: 'not the right password at all' });

    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('role="alert"');
    expect(response.body).toContain('The email or password is incorrect.');
  });

  it('when the form is posted without its CSRF token, then 403 and no session', async () => {
    const user = await registerUser(app, undefined, 'csrf');
    const browser = new Browser(app);
    await browser.get('/login');
    const response = await browser.request({ method: 'POST', url: '/login', form: { email: user.email, password: user.password } });
    expect(response.statusCode).toBe(403);
    expect(browser.cookies.has('auth_session')).toBe(false);
  });

  it('when an account has 3 failures in the window, then the next attempt is 429 with Retry-After even with the right password', async () => {
    const user = await registerUser(app, undefined, 'throttle');
    for (let i = 0; i < 3; i += 1) {
      const failed = await new Browser(app).submit('/login', '/login', { email: user.email, password: `wrong password number ${i}` });
      expect(failed.statusCode).toBe(401);
    }

    const blocked = await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password });

    expect(blocked.statusCode).toBe(429);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('when 50 wrong passwords for one account arrive at once, then only the limit (5) are checked and the rest get 429', async () => {
    const limited = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' });
    try {
      const user = await registerUser(limited, undefined, 'concurrent');
      // Each guess from its own browser (own address, own CSRF token), all posted together.
      const browsers = Array.from({ length: 50 }, () => new Browser(limited));
      const pages = await Promise.all(browsers.map((b) => b.get('/login')));
      const forms = pages.map((page) => ({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '' }));

      const answers = await Promise.all(
        browsers.map((b, i) => b.request({ method: 'POST', url: '/login', form: { ...forms[i], email: user.email, password: `wrong guess number ${i}` } })),
      );

      const statuses = answers.map((a) => a.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(45);
      const failures = await limited.prisma.loginAttempt.count({ where: { email: user.email, succeeded: false } });
      expect(failures).toBe(5);
    } finally {
      await limited.close();
    }
  });

  it('when one address fails against many accounts, then the per-IP limit answers 429', async () => {
    const ipLimited = await buildTestApp({ LOGIN_MAX_FAILURES_PER_IP: '2' });
    try {
      const browser = new Browser(ipLimited);
      for (let i = 0; i < 2; i += 1) {
        const r = await browser.submit('/login', '/login', { email: `nobody${i}.${Date.now()}@example.test`, password: 'some password that fails' });
        expect(r.statusCode).toBe(401);
      }
      const blocked = await browser.submit('/login', '/login', { email: `third.${Date.now()}@example.test`, password: 'another password' });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await ipLimited.close();
    }
  });

  it('when the user signs out, then the session ends server-side and the old cookie no longer works', async () => {
    const user = await registerUser(app, undefined, 'logout');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    const stolen = browser.cookies.get('auth_session') as string;

    const out = await browser.submit('/', '/logout', {});
    expect(out.statusCode).toBe(200);
    expect(browser.cookies.has('auth_session')).toBe(false);

    const replay = await app.inject({ method: 'GET', url: '/', cookies: { auth_session: stolen } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/login');
  });

  it('when the issuer is https, then HSTS is sent', async () => {
    const tls = await buildTestApp({ ISSUER: 'https://auth.example.test' });
    try {
      const response = await tls.inject({ method: 'GET', url: '/login' });
      expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    } finally {
      await tls.close();
    }
  });
});
