import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, GOOD_PASSWORD, registerUser, uniqueEmail } from '../helper';

describe('registration (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  const register = (payload: unknown) => app.inject({ method: 'POST', url: '/register', payload: payload as object });

  it('when a valid registration is posted as JSON, then the user is created with an argon2id hash and user.registered is in the outbox', async () => {
    const email = uniqueEmail('reg');
    const response = await register({ email: `  ${email.toUpperCase()} `, displayName: 'Ada Lovelace', password: GOOD_PASSWORD });

    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: string; email: string; displayName: string };
    expect(body).toEqual({ id: expect.any(String), email, displayName: 'Ada Lovelace' });
    const row = await app.prisma.user.findUniqueOrThrow({ where: { id: body.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const events = await app.prisma.outboxEvent.findMany({ where: { aggregateId: body.id } });
    expect(events).toHaveLength(1);
    // No assertion on sentAt: the app's own relay may already have published the row.
    expect(events[0]).toMatchObject({ eventName: 'user.registered', eventVersion: 1, aggregateType: 'user' });
    expect(events[0].payload).toMatchObject({ userId: body.id, email, displayName: 'Ada Lovelace' });
  });

  it('when the email is already registered (in another case), then 409 EMAIL_TAKEN and nothing is written', async () => {
    const { email } = await registerUser(app);
    const before = await app.prisma.outboxEvent.count();

    const response = await register({ email: email.toUpperCase(), displayName: 'Someone else', password: GOOD_PASSWORD });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'EMAIL_TAKEN', message: expect.stringMatching(/already exists/) });
    expect(response.body).not.toContain('Test user');
    expect(await app.prisma.outboxEvent.count()).toBe(before);
  });

  it.each([
    ['too short (14)', 'abcdefghij-klm', /at least 15/],
    ['common', 'passwordpassword', /too common/],
    ['over-long (129)', 'x'.repeat(60) + 'harbour-violet-kettle-drums-'.repeat(3).slice(0, 69), /at most 128/],
  ])('when the password is %s, then 400 WEAK_PASSWORD and no user is created', async (_label, password, message) => {
    const email = uniqueEmail('weak');
    const response = await register({ email, displayName: 'Weak', password });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'WEAK_PASSWORD', message: expect.stringMatching(message) });
    expect(await app.prisma.user.count({ where: { email } })).toBe(0);
  });

  it('when the password is 64 characters, then it is accepted', async () => {
    const password = 'harbour violet kettle drums '.repeat(3).slice(0, 64);
    expect((await register({ email: uniqueEmail('long'), displayName: 'Long', password })).statusCode).toBe(201);
  });

  it.each([
    ['an unknown property', { email: 'a@example.test', displayName: 'A', password: GOOD_PASSWORD, admin: true }],
    ['a number for the email', { email: 42, displayName: 'A', password: GOOD_PASSWORD }],
    ['a missing password', { email: 'b@example.test', displayName: 'B' }],
    ['an invalid email', { email: 'not-an-email', displayName: 'C', password: GOOD_PASSWORD }],
  ])('when the body has %s, then 400 and nothing is written', async (_label, payload) => {
    const users = await app.prisma.user.count();
    const response = await register(payload);
    expect(response.statusCode).toBe(400);
    expect(await app.prisma.user.count()).toBe(users);
  });

  it('when the body is not JSON, then 400', async () => {
    const response = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(response.statusCode).toBe(400);
  });

  it('when the registration page is used, then it is accessible, CSRF-protected, and signs the new user in', async () => {
    const browser = new Browser(app);
    const page = await browser.get('/register');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="email">Email</label>');
    expect(page.body).toContain('<label for="password">Password</label>');
    expect(page.body).toMatch(/id="password"[^>]*aria-describedby="password-hint"/);

    const noToken = await browser.request({ method: 'POST', url: '/register', form: { email: uniqueEmail(), displayName: 'X', password: GOOD_PASSWORD } });
    expect(noToken.statusCode).toBe(403);

    const email = uniqueEmail('form');
    const done = await browser.submit('/register', '/register', { email, displayName: 'Form User', password: GOOD_PASSWORD });
    expect(done.statusCode).toBe(303);
    expect(browser.cookies.has('auth_session')).toBe(true);
    const home = await browser.get('/');
    expect(home.body).toContain('Form User');
  });

  it('when the form has a weak password, then the page is shown again with the error tied to the field', async () => {
    const browser = new Browser(app);
    const response = await browser.submit('/register', '/register', { email: uniqueEmail(), displayName: 'X', password: 'qwertyqwertyqwerty' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/id="password"[^>]*aria-describedby="password-hint password-error"[^>]*aria-invalid="true"/);
    expect(response.body).toContain('id="password-error"');
  });

  it('when one address registers more than the hourly limit, then 429 with Retry-After', async () => {
    const limited = await buildTestApp({ REGISTER_MAX_PER_IP_PER_HOUR: '2' });
    try {
      const post = () =>
        limited.inject({
          method: 'POST',
          url: '/register',
          remoteAddress: '203.0.113.7',
          payload: { email: uniqueEmail('burst'), displayName: 'Burst', password: GOOD_PASSWORD },
        });
      expect((await post()).statusCode).toBe(201);
      expect((await post()).statusCode).toBe(201);
      const third = await post();
      expect(third.statusCode).toBe(429);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
