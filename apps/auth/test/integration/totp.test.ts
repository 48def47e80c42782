import * as OTPAuth from 'otpauth';
import * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import type { KitInstance } from '@flotilla/service-kit';
import { sha256Hex } from '../../src/domain/oauth/crypto';
import { Browser, buildTestApp, registerUser, seedTestClients } from '../helper';
import { authorize, bffAuth, bffClient, discover, exchange, requestOptions } from '../oauth-client';

const totpOf = (secret: string) => new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
/** The code of the step after `now`: accepted (one step of drift) and later than the enrolment's step. */
const nextCode = (secret: string, steps = 1) => totpOf(secret).generate({ timestamp: Date.now() + steps * 30_000 });

// ASVS 5.0 6.3.3 (a second factor for the account), RFC 6238 §5.2 (a code is
// accepted once), OIDC amr/acr in the ID token.
describe('TOTP two-factor authentication (real PostgreSQL)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    app = await buildTestApp({ MFA_MAX_FAILURES_PER_ACCOUNT: '3' });
    await seedTestClients(app);
    as = await discover(app);
  });
  afterAll(() => app.close());

  /** Registers, signs in, enrols TOTP with a code computed from the secret on the page; returns secret and recovery codes. */
  async function enrolled(label: string) {
    const user = await registerUser(app, undefined, label);
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    const page = await browser.get('/account/totp');
    const secret = String(/data-secret="([A-Z2-7]+)"/.exec(page.body)?.[1]);
    const done = await browser.submit('/account/totp', '/account/totp', { code: totpOf(secret).generate() });
    if (done.statusCode !== 200) throw new Error(`enrolment failed: ${done.statusCode}`);
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    return { user, secret, codes, page, done };
  }

  /** Password step; returns the browser waiting at the code step. */
  async function passwordStep(user: { email: string; password: string }) {
    const browser = new Browser(app);
    const response = await browser.submit('/login', '/login', { email: user.email, password: user.password });
    return { browser, response };
  }

  it('when the sign-in is older than five minutes (a stolen session cookie), then two-factor cannot be turned on until the user signs in again', async () => {
    const user = await registerUser(app, undefined, 'totpreauth');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    const csrf = await browser.csrfOf('/account/totp');
    const page = await browser.get('/account/totp');
    const secret = String(/data-secret="([A-Z2-7]+)"/.exec(page.body)?.[1]);
    await app.prisma.session.updateMany({ where: { userId: user.id, endedAt: null }, data: { createdAt: new Date(Date.now() - 6 * 60_000) } });

    // The attacker's app has the key and the form from the page; its code must not switch the factor on.
    const confirmed = await browser.request({ method: 'POST', url: '/account/totp', form: { _csrf: csrf, code: totpOf(secret).generate() } });
    expect(confirmed.statusCode).toBe(401);
    expect(confirmed.body).toContain('Sign in again');
    expect((await browser.get('/account/totp')).statusCode).toBe(401);
    expect(await app.totpService.isEnabled(user.id)).toBe(false);

    // A fresh sign-in in the same browser can.
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    const again = await browser.get('/account/totp');
    expect(again.statusCode).toBe(200);
    const key = String(/data-secret="([A-Z2-7]+)"/.exec(again.body)?.[1]);
    expect((await browser.submit('/account/totp', '/account/totp', { code: totpOf(key).generate() })).statusCode).toBe(200);
  });

  it('when a user enrols, then the page shows an inline SVG QR code and the secret under the strict CSP, a first valid code turns it on, and ten hashed recovery codes are issued', async () => {
    const user = await registerUser(app, undefined, 'totpenrol');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });

    const page = await browser.get('/account/totp');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<figure class="qr" role="img" aria-label="[^"]+"><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(page.body).toContain('<label for="code">Code from the app</label>');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    const secret = String(/data-secret="([A-Z2-7]+)"/.exec(page.body)?.[1]);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await browser.submit('/account/totp', '/account/totp', { code: '000000' === totpOf(secret).generate() ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toMatch(/<input id="code"[^>]*aria-describedby="code-error"[^>]*aria-invalid="true">/);
    expect(await app.prisma.userTotp.count({ where: { userId: user.id, confirmedAt: { not: null } } })).toBe(0);

    const done = await browser.submit('/account/totp', '/account/totp', { code: totpOf(secret).generate() });
    expect(done.statusCode).toBe(200);
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    const stored = await app.prisma.recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored).toHaveLength(10);
    expect(stored.map((r) => r.codeHash).sort()).toEqual(codes.map((c) => sha256Hex(c.replace('-', ''))).sort());
    const event = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.mfa_changed' } });
    expect(event.payload).toMatchObject({ userId: user.id, method: 'totp', enabled: true });
  });

  it('when an enrolled user signs in, then the password alone opens no session, and a code from the app does', async () => {
    const { user, secret } = await enrolled('totpsignin');
    const { browser, response } = await passwordStep(user);

    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login/otp');
    expect(browser.cookies.has('auth_session')).toBe(false);
    expect((await browser.get('/')).statusCode).toBe(303);

    const page = await browser.get('/login/otp');
    expect(page.body).toContain('<label for="code">Code</label>');
    expect(page.body).toMatch(/autocomplete="one-time-code"/);
    const verified = await browser.submit('/login/otp', '/login/otp', { code: nextCode(secret) });
    expect(verified.statusCode).toBe(303);
    expect((await browser.get('/')).statusCode).toBe(200);
    const session = await app.prisma.session.findFirstOrThrow({ where: { userId: user.id, endedAt: null }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['pwd', 'otp']);
  });

  it('when a code is used again inside its time step, then it is refused', async () => {
    const { user, secret } = await enrolled('totpreplay');
    const code = nextCode(secret);
    const first = await passwordStep(user);
    expect((await first.browser.submit('/login/otp', '/login/otp', { code })).statusCode).toBe(303);

    const second = await passwordStep(user);
    const replay = await second.browser.submit('/login/otp', '/login/otp', { code });

    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('id="code-error">That code is not right, or it was already used.');
    expect(second.browser.cookies.has('auth_session')).toBe(false);
  });

  it('when wrong codes reach the limit, then the next try is 429 with Retry-After even with a right code', async () => {
    const { user, secret } = await enrolled('totpthrottle');
    const { browser } = await passwordStep(user);
    const right = nextCode(secret);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 3; i += 1) expect((await browser.submit('/login/otp', '/login/otp', { code: wrong })).statusCode).toBe(401);

    const blocked = await browser.submit('/login/otp', '/login/otp', { code: right });

    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(browser.cookies.has('auth_session')).toBe(false);
  });

  it('when a recovery code is used, then it signs in once and is refused the second time', async () => {
    const { user, codes } = await enrolled('totprecovery');
    const first = await passwordStep(user);
    expect((await first.browser.submit('/login/otp', '/login/otp', { code: codes[3].toUpperCase() })).statusCode).toBe(303);
    expect((await first.browser.get('/')).statusCode).toBe(200);

    const second = await passwordStep(user);
    expect((await second.browser.submit('/login/otp', '/login/otp', { code: codes[3] })).statusCode).toBe(401);
    expect(await app.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } })).toBe(1);
  });

  it('when the code step is posted without the password step, then it sends the browser to sign in', async () => {
    const browser = new Browser(app);
    await browser.get('/login');
    const response = await browser.submit('/login', '/login/otp', { code: '123456' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login');
  });

  it('when the BFF signs a user in with the second factor, then the ID token says amr ["pwd","otp"] and the multi-factor acr, also after refresh; a password-only user gets ["pwd"]', async () => {
    const { user, secret } = await enrolled('totpamr');
    const { browser } = await passwordStep(user);
    expect((await browser.submit('/login/otp', '/login/otp', { code: nextCode(secret) })).statusCode).toBe(303);

    const tokens = await exchange(app, as, await authorize(app, as, user, { browser }));
    const claims = decodeJwt(String(tokens.id_token));
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.acr).toBe('urn:flotilla:acr:2fa');
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      bffClient,
      await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app)),
    );
    expect(decodeJwt(String(refreshed.id_token)).amr).toEqual(['pwd', 'otp']);

    const plain = await registerUser(app, undefined, 'pwdonly');
    const plainClaims = decodeJwt(String((await exchange(app, as, await authorize(app, as, plain))).id_token));
    expect(plainClaims.amr).toEqual(['pwd']);
    expect(plainClaims.acr).toBe('urn:flotilla:acr:1fa');
  });
});
