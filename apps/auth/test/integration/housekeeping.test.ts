import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp, registerUser } from '../helper';

describe('housekeeping (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  it('when rows are past retention, then they are deleted and recent ones are kept', async () => {
    const user = await registerUser(app, undefined, 'janitor');
    const old = new Date(Date.now() - 3 * 86_400_000);
    const email = `janitor-attempt.${Date.now()}@example.test`;
    await app.prisma.loginAttempt.createMany({
      data: [
        { email, ip: '192.0.2.1', succeeded: false, createdAt: old },
        { email, ip: '192.0.2.1', succeeded: false, createdAt: new Date() },
      ],
    });
    await app.prisma.session.create({ data: { id: `old-${Date.now()}`.padEnd(64, '0'), userId: user.id, expiresAt: old, createdAt: old, lastSeenAt: old } });

    const deleted = await app.housekeeping.runOnce();

    expect(deleted.loginAttempts).toBeGreaterThanOrEqual(1);
    expect(deleted.sessions).toBeGreaterThanOrEqual(1);
    expect(await app.prisma.loginAttempt.count({ where: { email } })).toBe(1);
    expect(await app.prisma.session.count({ where: { userId: user.id } })).toBe(0);
  });
});
