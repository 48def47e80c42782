import * as oauth from 'oauth4webapi';
import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser, seedTestClients } from '../helper';
import { authorize, bffAuth, bffClient, discover, exchange, requestOptions } from '../oauth-client';

const NEW_PASSWORD = 'amber lantern orchard 77 sails';

// ASVS 5.0 6.2.2 (users can change their password), 6.2.3 (current and new password
// are both required), and the session rule that a changed password ends the others.
describe('password change (real PostgreSQL)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    app = await buildTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    await seedTestClients(app);
    as = await discover(app);
  });
  afterAll(() => app.close());

  it('when a signed-in user opens the page, then it asks for the current and new password on a CSRF form under the strict CSP', async () => {
    const user = await registerUser(app, undefined, 'pwpage');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const page = await browser.get('/account/password');

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="currentPassword">Current password</label>');
    expect(page.body).toContain('<label for="newPassword">New password</label>');
    expect(page.body).toMatch(/<input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password"/);
    expect(page.body).toMatch(/<input id="newPassword"[^>]*autocomplete="new-password"[^>]*minlength="15"[^>]*aria-describedby="newPassword-hint"/);
    expect(page.body).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('when nobody is signed in, then the page sends the browser to sign in and back to the page', async () => {
    const user = await registerUser(app, undefined, 'pwanon');
    const browser = new Browser(app);

    const first = await browser.get('/account/password');
    expect(first.statusCode).toBe(303);
    const loginUrl = String(first.headers.location);
    expect(loginUrl).toBe('/login?return_to=%2Faccount%2Fpassword');

    const signedIn = await browser.submit(loginUrl, '/login', { email: user.email, password: user.password });
    expect(signedIn.headers.location).toBe('/account/password');
  });

  it('when the current password is wrong, then 401 with the error tied to that field, and the password is unchanged', async () => {
    const user = await registerUser(app, undefined, 'pwwrong');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const response = await browser.submit('/account/password', '/account/password', {
      currentPassword: 'this is not my password',
      newPassword: NEW_PASSWORD,
    });

    expect(response.statusCode).toBe(401);
    expect(response.body).toMatch(/<input id="currentPassword"[^>]*aria-describedby="currentPassword-error"[^>]*aria-invalid="true">/);
    expect(response.body).toContain('<p class="field-error" id="currentPassword-error">The current password is incorrect.</p>');
    expect(response.body).toContain('role="alert"');
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
  });

  it('when the new password breaks the registration policy, then 400 with the error on the new password field', async () => {
    const user = await registerUser(app, undefined, 'pwweak');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const short = await browser.submit('/account/password', '/account/password', { currentPassword: user.password, newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('<p class="field-error" id="newPassword-error">Password must be at least 15 characters long.</p>');

    const common = await browser.submit('/account/password', '/account/password', {
      currentPassword: user.password,
      newPassword: 'password password password',
    });
    expect(common.statusCode).toBe(400);
    expect(common.body).toContain('id="newPassword-error">This password is too common.');

    const same = await browser.submit('/account/password', '/account/password', { currentPassword: user.password, newPassword: user.password });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('The new password must differ from the current one.');
  });

  it('when the form is posted without its CSRF token, then 403 and nothing changes', async () => {
    const user = await registerUser(app, undefined, 'pwcsrf');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const forged = await browser.request({
      method: 'POST',
      url: '/account/password',
      form: { currentPassword: user.password, newPassword: NEW_PASSWORD },
    });

    expect(forged.statusCode).toBe(403);
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
  });

  it('when the password is changed, then every other session ends and every refresh family is revoked, the current session stays, and user.password_changed is in the outbox', async () => {
    const user = await registerUser(app, undefined, 'pwchange');
    const here = new Browser(app);
    await here.submit('/login', '/login', { email: user.email, password: user.password });
    const elsewhere = new Browser(app);
    // A second device that also signed into the BFF: a session plus a refresh family.
    const flow = await authorize(app, as, user, { browser: elsewhere });
    const tokens = await exchange(app, as, flow);
    expect(tokens.refresh_token).toBeDefined();
    expect((await elsewhere.get('/')).statusCode).toBe(200);

    const response = await here.submit('/account/password', '/account/password', { currentPassword: user.password, newPassword: NEW_PASSWORD });

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Password changed');
    // This browser stays signed in; the other device is signed out.
    expect((await here.get('/')).statusCode).toBe(200);
    expect((await elsewhere.get('/')).statusCode).toBe(303);
    expect(await app.prisma.session.count({ where: { userId: user.id, endedAt: null } })).toBe(1);
    // The other device's refresh token no longer works.
    const refreshed = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, refreshed)).rejects.toMatchObject({ error: 'invalid_grant' });
    const families = await app.prisma.refreshTokenFamily.findMany({ where: { userId: user.id } });
    expect(families.map((f) => f.revokedReason)).toEqual(['password-changed']);
    // Only the new password signs in now.
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(401);
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: NEW_PASSWORD })).statusCode).toBe(303);
    const event = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.password_changed' } });
    expect(event.payload).toMatchObject({ userId: user.id, reason: 'changed', changedAt: expect.any(String) });
  });

  it('when a script posts JSON with the current password, then 200 with what ended, and every session of the user ends', async () => {
    const user = await registerUser(app, undefined, 'pwjson');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const response = await app.inject({
      method: 'POST',
      url: '/account/password',
      payload: { email: user.email, currentPassword: user.password, newPassword: NEW_PASSWORD },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: user.id, sessionsEnded: 1, refreshFamiliesRevoked: 0 });
    expect((await browser.get('/')).statusCode).toBe(303);
  });

  it('when JSON is malformed or the current password is wrong, then a clear 4xx and nothing changes', async () => {
    const user = await registerUser(app, undefined, 'pwjsonbad');
    const extra = await app.inject({
      method: 'POST',
      url: '/account/password',
      payload: { email: user.email, currentPassword: user.password, newPassword: NEW_PASSWORD, admin: true },
    });
    expect(extra.statusCode).toBe(400);

    const wrong = await app.inject({
      method: 'POST',
      url: '/account/password',
      payload: { email: user.email, currentPassword: 'definitely not the password', newPassword: NEW_PASSWORD },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
  });

  it('when the current password fails as often as sign-in allows, then the next change is 429 with Retry-After even with the right password', async () => {
    const user = await registerUser(app, undefined, 'pwthrottle');
    const attempt = (currentPassword: string) =>
      app.inject({ method: 'POST', url: '/account/password', payload: { email: user.email, currentPassword, newPassword: NEW_PASSWORD } });
    for (let i = 0; i < 3; i += 1) expect((await attempt(`wrong current password ${i}`)).statusCode).toBe(401);

    const blocked = await attempt(user.password);

    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Sign-in shares the same counter.
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(429);
  });
});
