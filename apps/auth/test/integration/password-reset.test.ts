import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { KitInstance } from '@flotilla/service-kit';
import { sha256Hex } from '../../src/domain/oauth/crypto';
import { Browser, buildTestApp, randomIp, registerUser, seedTestClients, uniqueEmail } from '../helper';
import { startMailCatcher, resetLinkIn, type CaughtMail } from '../mail-catcher';
import { authorize, bffAuth, bffClient, discover, exchange, requestOptions } from '../oauth-client';

const NEW_PASSWORD = 'copper meadow lighthouse 19 owls';

// ASVS 5.0 6.4.1 (random, single-use, time-limited reset secret sent out of band;
// only its hash stored) and 6.4.2 (no hint whether the account exists).
describe('password reset by email (real PostgreSQL, real SMTP over TCP)', () => {
  let app: KitInstance;
  let as: oauth.AuthorizationServer;
  let catcher: Awaited<ReturnType<typeof startMailCatcher>>;

  beforeAll(async () => {
    catcher = await startMailCatcher();
    app = await buildTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.port), PASSWORD_RESET_MAX_PER_ACCOUNT: '2' });
    await seedTestClients(app);
    as = await discover(app);
  });
  afterAll(async () => {
    await app?.close();
    await catcher?.close();
  });

  const forgot = (email: string, ip = randomIp()) =>
    app.inject({ method: 'POST', url: '/password/forgot', payload: { email }, remoteAddress: ip });

  async function mailTo(email: string): Promise<CaughtMail> {
    await app.background.idle();
    const mail = catcher.mails.find((m) => m.to === email);
    if (!mail) throw new Error(`no mail to ${email}`);
    return mail;
  }

  it('when an unknown and a known address ask for a reset, then both get the same answer, and only the known one gets mail', async () => {
    const user = await registerUser(app, undefined, 'resetknown');
    const unknown = uniqueEmail('nobody');

    const known = await forgot(user.email);
    const stranger = await forgot(unknown);

    expect(known.statusCode).toBe(202);
    expect(stranger.statusCode).toBe(known.statusCode);
    expect(stranger.body).toBe(known.body);
    // The form answers alike too (apart from its fresh CSRF token and the echoed address).
    const pageFor = async (email: string) => {
      const response = await new Browser(app).submit('/password/forgot', '/password/forgot', { email });
      return { status: response.statusCode, body: response.body.replace(/value="[^"]*"/g, '').replaceAll(email, 'EMAIL') };
    };
    expect(await pageFor(unknown)).toEqual(await pageFor(user.email));

    await app.background.idle();
    expect(catcher.mails.filter((m) => m.to === user.email)).toHaveLength(2);
    expect(catcher.mails.filter((m) => m.to === unknown)).toHaveLength(0);
  });

  it('when the mail server hangs, then a known address is still answered at once, before the mail work is done', async () => {
    // A TCP server that accepts and never greets: nodemailer waits for its greeting timeout.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const stuck = await buildTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String((silent.address() as AddressInfo).port) });
    try {
      const user = await registerUser(stuck, undefined, 'resetstuck');
      const response = await stuck.inject({ method: 'POST', url: '/password/forgot', payload: { email: user.email }, remoteAddress: randomIp() });
      expect(response.statusCode).toBe(202);
      // The answer is out while the SMTP exchange is still pending.
      let settled = false;
      void stuck.background.idle().then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await stuck.close();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('when the link is used, then the new password works, every session and refresh family ends, and a second use fails', async () => {
    const user = await registerUser(app, undefined, 'resetuse');
    const signedIn = new Browser(app);
    const flow = await authorize(app, as, user, { browser: signedIn });
    const tokens = await exchange(app, as, flow);
    expect((await forgot(user.email)).statusCode).toBe(202);
    const link = resetLinkIn(await mailTo(user.email));
    const token = String(link.searchParams.get('token'));
    // Only the token's hash is stored.
    expect(await app.prisma.passwordResetToken.count({ where: { id: token } })).toBe(0);
    const stored = await app.prisma.passwordResetToken.findUniqueOrThrow({ where: { id: sha256Hex(token) } });
    expect(stored.userId).toBe(user.id);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeLessThanOrEqual(30 * 60 * 1000);

    const browser = new Browser(app);
    const page = await browser.get(`${link.pathname}${link.search}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="newPassword">New password</label>');
    const done = await browser.submit(`${link.pathname}${link.search}`, '/password/reset', { newPassword: NEW_PASSWORD });

    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Password changed');
    expect((await signedIn.get('/')).statusCode).toBe(303);
    expect(await app.prisma.session.count({ where: { userId: user.id, endedAt: null } })).toBe(0);
    const refreshed = await oauth.refreshTokenGrantRequest(as, bffClient, bffAuth, tokens.refresh_token as string, requestOptions(app));
    await expect(oauth.processRefreshTokenResponse(as, bffClient, refreshed)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(401);
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: NEW_PASSWORD })).statusCode).toBe(303);
    const event = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.password_changed' } });
    expect(event.payload).toMatchObject({ userId: user.id, reason: 'reset' });

    // Second use: the page says the link is spent, and posting it changes nothing.
    expect((await browser.get(`${link.pathname}${link.search}`)).statusCode).toBe(400);
    const again = await app.inject({ method: 'POST', url: '/password/reset', payload: { token, newPassword: 'another fresh passphrase 2026' } });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'INVALID_RESET_TOKEN' });
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: NEW_PASSWORD })).statusCode).toBe(303);
  });

  it('when the link is used, then the account\'s passkeys are removed (one planted through a stolen session does not outlive the recovery) and user.mfa_changed (webauthn off) is in the outbox', async () => {
    const user = await registerUser(app, undefined, 'resetpasskey');
    const other = await registerUser(app, undefined, 'resetpasskeyother');
    const key = (userId: string, id: string) => ({
      id, userId, publicKey: Buffer.alloc(77, 1), deviceType: 'singleDevice', backupEligible: false, backedUp: false,
      aaguid: '00000000-0000-0000-0000-000000000000', name: 'Planted',
    });
    await app.prisma.webAuthnCredential.createMany({ data: [key(user.id, `reset-${user.id}`), key(other.id, `reset-${other.id}`)] });
    expect((await forgot(user.email)).statusCode).toBe(202);
    const link = resetLinkIn(await mailTo(user.email));

    const done = await new Browser(app).submit(`${link.pathname}${link.search}`, '/password/reset', { newPassword: NEW_PASSWORD });

    expect(done.statusCode).toBe(200);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: user.id } })).toBe(0);
    expect(await app.prisma.webAuthnCredential.count({ where: { userId: other.id } })).toBe(1);
    const event = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.mfa_changed' } });
    expect(event.payload).toMatchObject({ userId: user.id, method: 'webauthn', enabled: false });
  });

  it('when two links were sent and one is used, then the other is spent too', async () => {
    const user = await registerUser(app, undefined, 'resettwo');
    await forgot(user.email);
    await forgot(user.email);
    await app.background.idle();
    const [first, second] = catcher.mails.filter((m) => m.to === user.email).map((m) => String(resetLinkIn(m).searchParams.get('token')));

    const used = await app.inject({ method: 'POST', url: '/password/reset', payload: { token: second, newPassword: NEW_PASSWORD } });
    expect(used.statusCode).toBe(200);
    const stale = await app.inject({ method: 'POST', url: '/password/reset', payload: { token: first, newPassword: 'yet another passphrase 4477' } });
    expect(stale.statusCode).toBe(400);
  });

  it('when the same link is posted twice at once, then exactly one wins', async () => {
    const user = await registerUser(app, undefined, 'resetrace');
    await forgot(user.email);
    const token = String(resetLinkIn(await mailTo(user.email)).searchParams.get('token'));
    const post = (newPassword: string) => app.inject({ method: 'POST', url: '/password/reset', payload: { token, newPassword } });

    const answers = await Promise.all([post(NEW_PASSWORD), post('a different passphrase 5150 river')]);

    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
    const events = await app.prisma.outboxEvent.count({ where: { aggregateId: user.id, eventName: 'user.password_changed' } });
    expect(events).toBe(1);
  });

  it('when the link is older than its lifetime, then it is refused and the password stays', async () => {
    const user = await registerUser(app, undefined, 'resetexpired');
    await forgot(user.email);
    const token = String(resetLinkIn(await mailTo(user.email)).searchParams.get('token'));
    await app.prisma.passwordResetToken.update({ where: { id: sha256Hex(token) }, data: { expiresAt: new Date(Date.now() - 1000) } });

    expect((await app.inject({ method: 'GET', url: `/password/reset?token=${token}` })).statusCode).toBe(400);
    const late = await app.inject({ method: 'POST', url: '/password/reset', payload: { token, newPassword: NEW_PASSWORD } });

    expect(late.statusCode).toBe(400);
    expect(late.json()).toMatchObject({ code: 'INVALID_RESET_TOKEN' });
    expect((await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
  });

  it('when the new password breaks the policy, then 400 on that field and the link still works', async () => {
    const user = await registerUser(app, undefined, 'resetweak');
    await forgot(user.email);
    const link = resetLinkIn(await mailTo(user.email));
    const browser = new Browser(app);

    const weak = await browser.submit(`${link.pathname}${link.search}`, '/password/reset', { newPassword: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toMatch(/<input id="newPassword"[^>]*aria-describedby="newPassword-hint newPassword-error"[^>]*aria-invalid="true">/);

    const good = await browser.submit(`${link.pathname}${link.search}`, '/password/reset', { newPassword: NEW_PASSWORD });
    expect(good.statusCode).toBe(200);
  });

  it('when the form is posted without its CSRF token, then 403 and the link is not spent', async () => {
    const user = await registerUser(app, undefined, 'resetcsrf');
    await forgot(user.email);
    const token = String(resetLinkIn(await mailTo(user.email)).searchParams.get('token'));

    const forged = await new Browser(app).request({ method: 'POST', url: '/password/reset', form: { token, newPassword: NEW_PASSWORD } });

    expect(forged.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/password/reset?token=${token}` })).statusCode).toBe(200);
  });

  it('when one address asks more often than allowed, then 429 with Retry-After, for a known and an unknown address alike', async () => {
    const user = await registerUser(app, undefined, 'resetlimit');
    const unknown = uniqueEmail('nobodylimit');
    for (const email of [user.email, unknown]) {
      expect((await forgot(email)).statusCode).toBe(202);
      expect((await forgot(email)).statusCode).toBe(202);
      const blocked = await forgot(email);
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    }
    await app.background.idle();
    expect(catcher.mails.filter((m) => m.to === user.email)).toHaveLength(2);
  });

  it('when one client address asks for many accounts, then the per-address limit answers 429', async () => {
    const limited = await buildTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.port), PASSWORD_RESET_MAX_PER_IP: '2' });
    try {
      const ip = randomIp();
      const ask = () => limited.inject({ method: 'POST', url: '/password/forgot', payload: { email: uniqueEmail('spray') }, remoteAddress: ip });
      expect((await ask()).statusCode).toBe(202);
      expect((await ask()).statusCode).toBe(202);
      const blocked = await ask();
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('when the address is not an email address, then 400 on that field', async () => {
    const response = await new Browser(app).submit('/password/forgot', '/password/forgot', { email: 'not-an-address' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('id="email-error"');
  });
});
