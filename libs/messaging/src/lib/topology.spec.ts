import { assertQueueName, decideAfterFailure, mainQueueArguments, retryDelays, retryQueueArguments, validateRetryPolicy } from './topology';

describe('retry decisions', () => {
  const policy = { maxAttempts: 4, delaysMs: [100, 1000] };

  it('when an early attempt fails, then it waits in the delay queue of that level', () => {
    expect(decideAfterFailure('ledger.users', 1, policy)).toEqual({ action: 'retry', delayMs: 100, queue: 'ledger.users.retry.100ms' });
    expect(decideAfterFailure('ledger.users', 2, policy)).toEqual({ action: 'retry', delayMs: 1000, queue: 'ledger.users.retry.1000ms' });
  });

  it('when there are more attempts than delays, then the last delay repeats', () => {
    expect(decideAfterFailure('ledger.users', 3, policy)).toMatchObject({ action: 'retry', delayMs: 1000 });
  });

  it('when the last attempt fails, then the message is parked', () => {
    expect(decideAfterFailure('ledger.users', 4, policy)).toEqual({ action: 'park', queue: 'ledger.users.parking' });
  });

  it('when a policy is read, then only the delay queues it can use are declared', () => {
    expect(retryDelays(policy)).toEqual([100, 1000]);
    expect(retryDelays({ maxAttempts: 2, delaysMs: [100, 1000] })).toEqual([100]);
    expect(retryDelays({ maxAttempts: 1, delaysMs: [] })).toEqual([]);
  });

  it('when a policy is nonsense, then it is refused at start-up', () => {
    expect(() => validateRetryPolicy({ maxAttempts: 0, delaysMs: [1] })).toThrow(/maxAttempts/);
    expect(() => validateRetryPolicy({ maxAttempts: 3, delaysMs: [] })).toThrow(/delaysMs/);
    expect(() => validateRetryPolicy({ maxAttempts: 3, delaysMs: [1.5] })).toThrow(/delaysMs/);
  });
});

describe('queue arguments', () => {
  it('when the main queue is declared, then it is a quorum queue that parks after the delivery limit, safely', () => {
    expect(mainQueueArguments('ledger.users', 20).arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 20,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'ledger.users.parking',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it('when a delay queue is declared, then its messages expire back into the main queue', () => {
    expect(retryQueueArguments('ledger.users', 500).arguments).toMatchObject({
      'x-message-ttl': 500,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'ledger.users',
    });
  });

  it('when a queue name is not <service>.<purpose>, then it is refused', () => {
    expect(() => assertQueueName('ledger.user-registered')).not.toThrow();
    expect(() => assertQueueName('ledger')).toThrow(/service/);
    expect(() => assertQueueName('Ledger.Users')).toThrow(/service/);
  });
});
