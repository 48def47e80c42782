import { brokerReadinessCheck, BrokerUnavailableError, createMessagingConnection } from '../../src/lib/connection';
import { createPublisher, PublishFailedError } from '../../src/lib/publisher';
import { AMQP_URL, newRegistry, recordingLogger, testEvent } from './support';

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

async function observeFailingConnection(url: string, windowMs: number) {
  const logger = recordingLogger();
  const connection = createMessagingConnection({ url, logger, name: 'messaging-test-bad', reconnectTimeInSeconds: 1, connectTimeoutMs: 2000 });
  const cpuBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const cpu = process.cpuUsage(cpuBefore);
  return { logger, connection, cpuMs: (cpu.user + cpu.system) / 1000 };
}

describe('broker unavailable', () => {
  it('when nothing listens at the broker URL, then the error is logged clearly, readiness fails, and reconnects are paced', async () => {
    const { logger, connection, cpuMs } = await observeFailingConnection('amqp://guest:guest@127.0.0.1:1', 3000);
    const check = brokerReadinessCheck(connection);

    await expect(check(AbortSignal.timeout(1000))).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(check(AbortSignal.timeout(1000))).rejects.toThrow(/ECONNREFUSED/);
    const failures = logger.lines.filter((l) => l.level === 'error' && l.message.startsWith('cannot connect to RabbitMQ'));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.length).toBeLessThanOrEqual(4);
    expect(failures[0]?.message).toMatch(/127\.0\.0\.1:1.*ECONNREFUSED.*retrying in 1s/);
    expect(cpuMs).toBeLessThan(1000);
    await connection.close();
  });

  it('when the credentials are wrong, then the refusal is logged without the password and readiness fails', async () => {
    const { logger, connection } = await observeFailingConnection(withCredentials(AMQP_URL, 'guest', 'not-the-password'), 1500);

    await expect(brokerReadinessCheck(connection)(AbortSignal.timeout(1000))).rejects.toThrow(/ACCESS.REFUSED/);
    const failure = logger.lines.find((l) => l.level === 'error');
    expect(failure?.message).toMatch(/ACCESS.REFUSED/);
    expect(JSON.stringify(logger.lines)).not.toContain('not-the-password');
    expect(failure?.meta?.['url.full']).toContain('***');
    await connection.close();
  });

  it('when publishing while the broker is unreachable, then the publish fails loudly after its bound instead of hanging', async () => {
    const logger = recordingLogger();
    const registry = newRegistry();
    const connection = createMessagingConnection({ url: 'amqp://guest:guest@127.0.0.1:1', logger, reconnectTimeInSeconds: 1 });
    const publisher = createPublisher({ connection, logger, registry, publishTimeoutMs: 500 });
    const event = testEvent();
    const started = Date.now();

    await expect(publisher.publish(event, { thingId: 'u-1', amount: 1 })).rejects.toBeInstanceOf(PublishFailedError);

    expect(Date.now() - started).toBeLessThan(3000);
    expect(await registry.getSingleMetric('messaging_nacked_total')?.get()).toMatchObject({ values: [{ value: 1, labels: { event: event.name } }] });
    expect(logger.lines.some((l) => l.level === 'error' && /no confirm within 500 ms/.test(l.message))).toBe(true);
    await publisher.close();
    await connection.close();
  });

  it('when the connection is up and its channels are set up, then readiness passes', async () => {
    const logger = recordingLogger();
    const connection = createMessagingConnection({ url: AMQP_URL, logger });
    const publisher = createPublisher({ connection, logger, registry: newRegistry() });
    await publisher.waitForReady(10_000);

    await expect(brokerReadinessCheck(connection)(AbortSignal.timeout(1000))).resolves.toBeUndefined();

    await publisher.close();
    await connection.close();
  });
});
