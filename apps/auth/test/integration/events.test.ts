import amqp from 'amqplib';
import type { KitInstance } from '@flotilla/service-kit';
import { Browser, buildTestApp, registerUser } from '../helper';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('user events through the outbox to RabbitMQ (real PostgreSQL and RabbitMQ)', () => {
  let app: KitInstance;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const queue = `auth-events-test-${process.pid}-${Date.now()}`;
  const received: { routingKey: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertExchange('flotilla.events', 'topic', { durable: true });
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'flotilla.events', 'user.*');
    await channel.consume(queue, (message) => {
      if (!message) return;
      received.push({ routingKey: message.fields.routingKey, body: JSON.parse(message.content.toString()) });
      channel.ack(message);
    });
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
  });

  async function waitFor<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error('timed out waiting for the event');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const payloadOf = (m: { body: Record<string, unknown> }) => (m.body.payload ?? m.body) as Record<string, unknown>;

  it('when a user registers, then user.registered is published from the outbox and the row is marked sent', async () => {
    const user = await registerUser(app, undefined, 'event');

    const message = await waitFor(() => received.find((m) => m.routingKey === 'user.registered' && payloadOf(m).userId === user.id));

    expect(payloadOf(message)).toMatchObject({ userId: user.id, email: user.email, displayName: 'Test event' });
    // The relay marks the row sent after the broker's confirm, which can come after
    // the consumer here already has the message: poll for the mark.
    const until = Date.now() + 10_000;
    let row = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.registered' } });
    while (row.sentAt === null && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      row = await app.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: user.id, eventName: 'user.registered' } });
    }
    expect(row.sentAt).not.toBeNull();
  });

  it('when a user closes the account, then sessions and tokens end and user.deactivated is published', async () => {
    const user = await registerUser(app, undefined, 'closing');
    const browser = new Browser(app);
    await browser.submit('/login', '/login', { email: user.email, password: user.password });
    const other = new Browser(app);
    await other.submit('/login', '/login', { email: user.email, password: user.password });

    const wrong = await browser.submit('/account/deactivate', '/account/deactivate', { password: 'not my password at all' });
    expect(wrong.statusCode).toBe(401);
    expect((await app.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).status).toBe('ACTIVE');

    const closed = await browser.submit('/account/deactivate', '/account/deactivate', { password: user.password });
    expect(closed.statusCode).toBe(200);

    const message = await waitFor(() => received.find((m) => m.routingKey === 'user.deactivated' && payloadOf(m).userId === user.id));
    expect(payloadOf(message)).toMatchObject({ userId: user.id, deactivatedAt: expect.any(String) });
    expect((await app.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).status).toBe('DEACTIVATED');
    expect(await app.prisma.session.count({ where: { userId: user.id, endedAt: null } })).toBe(0);
    // The other browser's session died too, and the account can no longer sign in.
    expect((await other.get('/')).statusCode).toBe(303);
    const again = await new Browser(app).submit('/login', '/login', { email: user.email, password: user.password });
    expect(again.statusCode).toBe(401);
  });
});
