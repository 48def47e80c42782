import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser } from '../helper';

describe('sign-out event (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  it('when a user signs out at the provider, then user.signed_out is in the outbox with the sign-out time, once', async () => {
    const user = await registerUser(app, undefined, 'signout');
    const browser = new Browser(app);
    expect((await browser.submit('/login', '/login', { email: user.email, password: user.password })).statusCode).toBe(303);
    const started = new Date();

    const out = await browser.submit('/logout', '/logout', {});

    expect(out.statusCode).toBe(200);
    const events = await app.prisma.outboxEvent.findMany({ where: { aggregateId: user.id, eventName: 'user.signed_out' } });
    expect(events).toHaveLength(1);
    const payload = (typeof events[0]?.payload === 'string' ? JSON.parse(events[0].payload) : events[0]?.payload) as { userId: string; signedOutAt: string };
    expect(payload.userId).toBe(user.id);
    expect(new Date(payload.signedOutAt).getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    // Signing out again (no live session) publishes nothing more.
    await browser.request({ method: 'POST', url: '/logout', form: {} });
    expect(await app.prisma.outboxEvent.count({ where: { aggregateId: user.id, eventName: 'user.signed_out' } })).toBe(1);
  });
});
