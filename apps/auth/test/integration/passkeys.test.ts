import * as OTPAuth from 'otpauth';
import type * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser, seedTestClients } from '../helper';
import { authorize, discover, exchange } from '../oauth-client';
import { SoftAuthenticator, type CeremonyOverrides } from '../soft-authenticator';

// The test config's ISSUER is http://auth.test: the relying party is that origin, RP ID auth.test.
const ORIGIN = 'http://auth.test';

// ASVS 5.0 6.3.3 (multi-factor; a passkey with user verification is one), 6.5.x
// (phishing-resistant authenticators: RP ID and origin bound), WebAuthn Level 3 §7.1/§7.2
// (registration and assertion verification), §6.1.1 (signature counter).
describe('passkeys (WebAuthn, real PostgreSQL)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    app = await buildTestApp();
    await seedTestClients(app);
    as = await discover(app);
  });
  afterAll(() => app.close());

  async function signedIn(label: string) {
    const user = await registerUser(app, undefined, label);
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    return { user, browser };
  }

  /** The registration ceremony as the account page's script runs it. */
  async function register(browser: Browser, authenticator: SoftAuthenticator, overrides: CeremonyOverrides = {}, name = 'Test key') {
    const csrf = await browser.csrfOf('/account/passkeys');
    const options = await browser.postJson('/account/passkeys/options', csrf);
    expect(options.statusCode).toBe(200);
    const response = authenticator.create(options.json(), overrides);
    return { result: await browser.postJson('/account/passkeys', csrf, { response, name }), response };
  }

  /** Passwordless sign-in as the login page's script runs it. */
  async function signInWithPasskey(browser: Browser, authenticator: SoftAuthenticator, overrides: CeremonyOverrides = {}) {
    const csrf = await browser.csrfOf('/login');
    const options = await browser.postJson('/login/passkey/options', csrf);
    expect(options.statusCode).toBe(200);
    const response = authenticator.get(options.json(), overrides);
    return { result: await browser.postJson('/login/passkey', csrf, { response }), response, csrf };
  }

  async function withPasskey(label: string, authenticatorOptions: { backupEligible?: boolean } = {}) {
    const { user, browser } = await signedIn(label);
    const authenticator = new SoftAuthenticator(ORIGIN, authenticatorOptions);
    const { result } = await register(browser, authenticator);
    expect(result.statusCode).toBe(201);
    return { user, browser, authenticator };
  }

  it('when a signed-in user registers a passkey, then its id, public key, counter, transports, backup flags and device type are stored, the page lists it and user.mfa_changed is in the outbox', async () => {
    const { user, browser } = await signedIn('pkregister');
    const page = await browser.get('/account/passkeys');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<script src="/assets/passkeys.js" defer></script>`);
    expect(page.body).toContain('<label for="passkey-name">Name of the passkey</label>');
    const authenticator = new SoftAuthenticator(ORIGIN);

    const { result, response } = await register(browser, authenticator, {}, 'Work laptop');

    expect(result.statusCode).toBe(201);
    expect(result.json()).toEqual({ redirect: '/account/passkeys?added=1' });
    const stored = await app.prisma.webAuthnCredential.findUniqueOrThrow({ where: { id: response.id } });
    expect(stored).toMatchObject({
      userId: user.id,
      counter: 0n,
      transports: ['internal'],
      deviceType: 'singleDevice',
      backupEligible: false,
      backedUp: false,
      name: 'Work laptop',
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
    expect(stored.publicKey.length).toBeGreaterThan(64);
    const event = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.mfa_changed' } });
    expect(event.payload).toMatchObject({ userId: user.id, method: 'webauthn', enabled: true });
    expect((await browser.get('/account/passkeys?added=1')).body).toMatch(/<strong>Work laptop<\/strong> \(this device only\)/);
  });

  it('when a passkey signs in without a password, then a session opens with amr ["hwk","mfa"], and the ID token carries them with the multi-factor acr', async () => {
    const { user, authenticator } = await withPasskey('pkpasswordless');
    const browser = new Browser(app);

    const { result } = await signInWithPasskey(browser, authenticator);

    expect(result.statusCode).toBe(200);
    expect(result.json()).toEqual({ redirect: '/' });
    expect((await browser.get('/')).statusCode).toBe(200);
    const session = await app.prisma.session.findFirstOrThrow({ where: { userId: user.id, endedAt: null }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['hwk', 'mfa']);
    const stored = await app.prisma.webAuthnCredential.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.counter).toBe(1n);
    expect(stored.lastUsedAt).not.toBeNull();

    const claims = decodeJwt(String((await exchange(app, as, await authorize(app, as, user, { browser }))).id_token));
    expect(claims.amr).toEqual(['hwk', 'mfa']);
    expect(claims.acr).toBe('urn:flotilla:acr:2fa');
  });

  it('when a synced (backup-eligible) passkey is registered and used, then it is stored as multiDevice and the amr says swk', async () => {
    const { user, authenticator } = await withPasskey('pksynced', { backupEligible: true });
    expect(await app.prisma.webAuthnCredential.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({
      deviceType: 'multiDevice',
      backupEligible: true,
      backedUp: true,
    });
    const browser = new Browser(app);
    expect((await signInWithPasskey(browser, authenticator)).result.statusCode).toBe(200);
    const session = await app.prisma.session.findFirstOrThrow({ where: { userId: user.id, endedAt: null }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['swk', 'mfa']);
  });

  it('when the client data names another origin (a phishing page), then registration and sign-in are refused and nothing is stored or opened', async () => {
    const { user, browser } = await signedIn('pkorigin');
    const authenticator = new SoftAuthenticator(ORIGIN);
    const evil = { origin: 'http://auth.test.evil.example' };

    const registered = await register(browser, authenticator, evil);
    expect(registered.result.statusCode).toBe(401);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);
    // A port is part of the origin: exact comparison, not a prefix or host match.
    expect((await register(browser, authenticator, { origin: 'http://auth.test:8443' })).result.statusCode).toBe(401);

    const good = await withPasskey('pkorigin2');
    const other = new Browser(app);
    const signIn = await signInWithPasskey(other, good.authenticator, evil);
    expect(signIn.result.statusCode).toBe(401);
    expect(other.cookies.has('auth_session')).toBe(false);
  });

  it('when the authenticator data is for another RP ID, then registration and sign-in are refused', async () => {
    const { user, browser } = await signedIn('pkrpid');
    const authenticator = new SoftAuthenticator(ORIGIN);

    expect((await register(browser, authenticator, { rpId: 'evil.example' })).result.statusCode).toBe(401);
    // A parent domain is a different RP ID from the configured one.
    expect((await register(browser, authenticator, { rpId: 'test' })).result.statusCode).toBe(401);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);

    const good = await withPasskey('pkrpid2');
    const other = new Browser(app);
    expect((await signInWithPasskey(other, good.authenticator, { rpId: 'evil.example' })).result.statusCode).toBe(401);
    expect(other.cookies.has('auth_session')).toBe(false);
  });

  it('when a signed assertion is replayed, or answers a challenge this browser never asked for, then it is refused', async () => {
    const { authenticator } = await withPasskey('pkreplay');
    const browser = new Browser(app);
    const csrf = await browser.csrfOf('/login');
    const firstOptions = (await browser.postJson('/login/passkey/options', csrf)).json();
    const ceremonyCookie = String(browser.cookies.get('auth_webauthn'));
    // Counter 0, as synced passkeys report it: the counter check is off, so only the single-use challenge can stop the replay.
    const response = authenticator.get(firstOptions, { counter: 0 });
    expect((await browser.postJson('/login/passkey', csrf, { response })).statusCode).toBe(200);

    // The same response again, with the ceremony cookie put back: its challenge was taken by the first verification.
    browser.cookies.set('auth_webauthn', ceremonyCookie);
    const replayed = await browser.postJson('/login/passkey', csrf, { response });
    expect(replayed.statusCode).toBe(401);

    // A fresh ceremony in another browser; the response to it sent from a third one (no ceremony cookie).
    const asker = new Browser(app);
    const askerCsrf = await asker.csrfOf('/login');
    const options = (await asker.postJson('/login/passkey/options', askerCsrf)).json();
    const stolen = authenticator.get(options);
    const thief = new Browser(app);
    const thiefCsrf = await thief.csrfOf('/login');
    expect((await thief.postJson('/login/passkey', thiefCsrf, { response: stolen })).statusCode).toBe(401);
    // And the response signed over a challenge from elsewhere is refused in the asking browser too.
    const forged = authenticator.get(options, { challenge: Buffer.from('not-the-server-challenge').toString('base64url') });
    expect((await asker.postJson('/login/passkey', askerCsrf, { response: forged })).statusCode).toBe(401);
  });

  it('when a challenge is past its lifetime, then its answer is refused', async () => {
    const { authenticator } = await withPasskey('pkexpired');
    const browser = new Browser(app);
    const csrf = await browser.csrfOf('/login');
    const options = (await browser.postJson('/login/passkey/options', csrf)).json();
    await app.prisma.webAuthnChallenge.updateMany({ where: { challenge: options.challenge }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const response = authenticator.get(options);
    expect((await browser.postJson('/login/passkey', csrf, { response })).statusCode).toBe(401);
  });

  it('when the signature counter goes backwards (a cloned authenticator), then the sign-in is refused and the stored counter stays', async () => {
    const { user, authenticator } = await withPasskey('pkcounter');
    expect((await signInWithPasskey(new Browser(app), authenticator, { counter: 5 })).result.statusCode).toBe(200);

    const clone = await signInWithPasskey(new Browser(app), authenticator, { counter: 3 });
    expect(clone.result.statusCode).toBe(401);
    const same = await signInWithPasskey(new Browser(app), authenticator, { counter: 5 });
    expect(same.result.statusCode).toBe(401);
    expect((await app.prisma.webAuthnCredential.findFirstOrThrow({ where: { userId: user.id } })).counter).toBe(5n);

    expect((await signInWithPasskey(new Browser(app), authenticator, { counter: 6 })).result.statusCode).toBe(200);
  });

  it('when a TOTP user has a passkey, then after the password the code page offers it, and it opens the session with amr ["pwd","hwk"]; another account’s passkey is refused', async () => {
    const { user, browser: enrolling, authenticator } = await withPasskey('pk2fa');
    const page = await enrolling.get('/account/totp');
    const secret = String(/data-secret="([A-Z2-7]+)"/.exec(page.body)?.[1]);
    const totp = new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
    expect((await enrolling.submit('/account/totp', '/account/totp', { code: totp.generate() })).statusCode).toBe(200);
    const stranger = await withPasskey('pk2fastranger');

    const browser = new Browser(app);
    expect((await browser.submit('/login', '/login', { email: user.email, password: user.password })).headers.location).toBe('/login/otp');
    const otpPage = await browser.get('/login/otp');
    expect(otpPage.body).toContain('data-passkey="second-factor"');
    const csrf = await browser.csrfOf('/login/otp');
    const options = (await browser.postJson('/login/otp/passkey/options', csrf)).json();
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([...authenticator.keys.keys()]);

    // The stranger's key, answering this user's challenge: refused, and the ceremony is spent.
    const wrongKey = stranger.authenticator.get({ ...options, allowCredentials: [] });
    expect((await browser.postJson('/login/otp/passkey', csrf, { response: wrongKey })).statusCode).toBe(401);
    expect(browser.cookies.has('auth_session')).toBe(false);

    const again = (await browser.postJson('/login/otp/passkey/options', csrf)).json();
    const done = await browser.postJson('/login/otp/passkey', csrf, { response: authenticator.get(again) });
    expect(done.statusCode).toBe(200);
    expect((await browser.get('/')).statusCode).toBe(200);
    const session = await app.prisma.session.findFirstOrThrow({ where: { userId: user.id, endedAt: null }, orderBy: { createdAt: 'desc' } });
    expect(session.amr).toEqual(['pwd', 'hwk']);
  });

  it('when the second-factor ceremony is asked for without the password step, or the JSON call lacks the CSRF token, then it is refused', async () => {
    const browser = new Browser(app);
    const csrf = await browser.csrfOf('/login');
    expect((await browser.postJson('/login/otp/passkey/options', csrf)).statusCode).toBe(401);
    expect((await browser.request({ method: 'POST', url: '/login/passkey/options', json: {} })).statusCode).toBe(403);
  });

  it('when a passkey is removed, then it is gone, user.mfa_changed (enabled false) is in the outbox and it no longer signs in', async () => {
    const { user, browser, authenticator } = await withPasskey('pkremove');
    const id = [...authenticator.keys.keys()][0];

    const removed = await browser.submit('/account/passkeys', '/account/passkeys/remove', { id });

    expect(removed.statusCode).toBe(303);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);
    const events = await app.prisma.outboxEvent.findMany({ where: { aggregateId: user.id, eventName: 'user.mfa_changed' }, orderBy: { sequence: 'asc' } });
    expect(events.map((e) => (e.payload as { enabled: boolean }).enabled)).toEqual([true, false]);
    expect((await signInWithPasskey(new Browser(app), authenticator)).result.statusCode).toBe(401);
    // Another user's passkey cannot be removed by id.
    const other = await withPasskey('pkremove2');
    const otherId = [...other.authenticator.keys.keys()][0];
    const csrf = await browser.csrfOf('/account/passkeys');
    const refused = await browser.request({ method: 'POST', url: '/account/passkeys/remove', form: { _csrf: csrf, id: otherId } });
    expect(refused.statusCode).toBe(404);
    expect(await app.prisma.webAuthnCredential.count({ where: { id: otherId } })).toBe(1);
  });

  it('when the sign-in is older than five minutes (a stolen session cookie), then adding or removing a passkey is refused until the user signs in again', async () => {
    const { user, browser, authenticator } = await withPasskey('pkreauth');
    const id = [...authenticator.keys.keys()][0];
    const csrf = await browser.csrfOf('/account/passkeys');
    const started = await browser.postJson('/account/passkeys/options', csrf);
    expect(started.statusCode).toBe(200);
    const planted = new SoftAuthenticator(ORIGIN).create(started.json());
    const age = async (minutes: number) =>
      app.prisma.session.updateMany({ where: { userId: user.id, endedAt: null }, data: { createdAt: new Date(Date.now() - minutes * 60_000) } });
    await age(6);

    const finished = await browser.postJson('/account/passkeys', csrf, { response: planted, name: 'Attacker' });
    expect(finished.statusCode).toBe(401);
    expect(finished.json()).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    const options = await browser.postJson('/account/passkeys/options', csrf);
    expect(options.statusCode).toBe(401);
    expect(options.json()).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    const removed = await browser.submit('/account/passkeys', '/account/passkeys/remove', { id });
    expect(removed.statusCode).toBe(401);
    expect(removed.body).toContain('Sign in again');
    expect((await app.prisma.webAuthnCredential.findMany({ where: { userId: user.id } })).map((c) => c.id)).toEqual([id]);
    // Still signed in: the page itself is served.
    expect((await browser.get('/account/passkeys')).statusCode).toBe(200);

    // A fresh sign-in (password) in the same browser makes the change possible again.
    await age(4);
    expect((await browser.submit('/account/passkeys', '/account/passkeys/remove', { id })).statusCode).toBe(303);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);
    await age(6);
    expect((await browser.submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
    expect((await register(browser, new SoftAuthenticator(ORIGIN))).result.statusCode).toBe(201);
  });

  it('when the user handle is not a string (an object, a number, a list), then the sign-in is refused with 401, not a 500', async () => {
    const { authenticator } = await withPasskey('pkhandle');
    for (const userHandle of [{}, 5, ['x']]) {
      const browser = new Browser(app);
      const csrf = await browser.csrfOf('/login');
      const response = authenticator.get((await browser.postJson('/login/passkey/options', csrf)).json());

      const result = await browser.postJson('/login/passkey', csrf, { response: { ...response, response: { ...response.response, userHandle } } });

      expect(result.statusCode).toBe(401);
      expect(browser.cookies.has('auth_session')).toBe(false);
    }
  });

  it('when an account has 10 passkeys, then an 11th is refused with 400 TOO_MANY_PASSKEYS, also when its ceremony started before the 10th was added', async () => {
    const { user, browser } = await signedIn('pkcap');
    for (let i = 0; i < 9; i += 1) expect((await register(browser, new SoftAuthenticator(ORIGIN))).result.statusCode).toBe(201);
    const csrf = await browser.csrfOf('/account/passkeys');
    const started = await browser.postJson('/account/passkeys/options', csrf);
    expect(started.statusCode).toBe(200);
    const other = new Browser(app);
    await other.submit('/login', '/login', { email: user.email, password: user.password });
    expect((await register(other, new SoftAuthenticator(ORIGIN))).result.statusCode).toBe(201);

    const late = await browser.postJson('/account/passkeys', csrf, { response: new SoftAuthenticator(ORIGIN).create(started.json()) });
    const more = await browser.postJson('/account/passkeys/options', csrf);

    expect(late.statusCode).toBe(400);
    expect(late.json()).toMatchObject({ code: 'TOO_MANY_PASSKEYS' });
    expect(more.statusCode).toBe(400);
    expect(more.json()).toMatchObject({ code: 'TOO_MANY_PASSKEYS' });
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(10);
  });

  it('when the transports are unknown values, repeated or too many, then registration is refused with 400 and nothing is stored', async () => {
    const { user, browser } = await signedIn('pktransports');
    const csrf = await browser.csrfOf('/account/passkeys');
    for (const transports of [['internal', 'carrier-pigeon'], ['usb', 'usb'], Array.from({ length: 9 }, () => 'internal'), 'internal']) {
      const options = await browser.postJson('/account/passkeys/options', csrf);
      const response = new SoftAuthenticator(ORIGIN).create(options.json());

      const result = await browser.postJson('/account/passkeys', csrf, { response: { ...response, response: { ...response.response, transports } } });

      expect(result.statusCode).toBe(400);
    }
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);
  });

  it('when the page script is fetched, then it is one same-origin file with the library and the page code, and the pages allow only same-origin script', async () => {
    const script = await app.inject({ method: 'GET', url: '/assets/passkeys.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toContain('SimpleWebAuthnBrowser');
    expect(script.body).toContain("querySelectorAll('[data-passkey]')");
    const login = await app.inject({ method: 'GET', url: '/login' });
    const csp = String(login.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(login.body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)/);
    expect(login.body).toContain('data-passkey="login"');
  });
});
