import type { ConfirmChannel, Options } from 'amqplib';

export interface RetryPolicy {
  /** Attempts in total, the first delivery included, before a message is parked. */
  maxAttempts: number;
  /** Delay before attempt 2, 3, …; the last one repeats when there are more attempts than delays. */
  delaysMs: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, delaysMs: [1_000, 10_000, 60_000, 300_000] };

/**
 * Redeliveries of one message (consumer crashes before its ack) before the quorum
 * queue itself dead-letters it to parking, so a message that kills its consumer
 * cannot loop forever. https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling
 */
export const DEFAULT_DELIVERY_LIMIT = 20;

const QUEUE_NAME = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;

export function assertQueueName(queue: string): void {
  if (!QUEUE_NAME.test(queue) || queue.length > 200) {
    throw new TypeError(`queue name "${queue}" must look like "<service>.<purpose>" (lowercase, dot-separated)`);
  }
}

export function parkingQueueName(queue: string): string {
  return `${queue}.parking`;
}

/**
 * Delay queues are named by their delay, not by their level: a queue's TTL
 * cannot change once declared (PRECONDITION_FAILED), so a new delay is a new queue.
 */
export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

export function validateRetryPolicy(policy: RetryPolicy): void {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new TypeError('retry.maxAttempts must be an integer ≥ 1');
  }
  if (policy.maxAttempts > 1 && policy.delaysMs.length === 0) {
    throw new TypeError('retry.delaysMs must not be empty when retries are allowed');
  }
  for (const delay of policy.delaysMs) {
    if (!Number.isInteger(delay) || delay < 1) throw new TypeError('retry.delaysMs must be positive integers (ms)');
  }
}

export type FailureDecision = { action: 'retry'; delayMs: number; queue: string } | { action: 'park'; queue: string };

/** What to do after attempt number `attempt` (1-based) failed. */
export function decideAfterFailure(queue: string, attempt: number, policy: RetryPolicy): FailureDecision {
  if (attempt >= policy.maxAttempts) return { action: 'park', queue: parkingQueueName(queue) };
  const delayMs = policy.delaysMs[Math.min(attempt - 1, policy.delaysMs.length - 1)] as number;
  return { action: 'retry', delayMs, queue: retryQueueName(queue, delayMs) };
}

/** The distinct delay queues a policy can use. */
export function retryDelays(policy: RetryPolicy): number[] {
  const used = new Set<number>();
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    const decision = decideAfterFailure('x.y', attempt, policy);
    if (decision.action === 'retry') used.add(decision.delayMs);
  }
  return [...used];
}

/**
 * At-least-once dead lettering keeps a message in its source queue until the
 * target confirmed it; it needs reject-publish overflow.
 * https://www.rabbitmq.com/docs/quorum-queues#dead-lettering
 */
const SAFE_DEAD_LETTERING = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;

export function mainQueueArguments(queue: string, deliveryLimit: number): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': parkingQueueName(queue),
      ...SAFE_DEAD_LETTERING,
    },
  };
}

export function retryQueueArguments(queue: string, delayMs: number): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-message-ttl': delayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': queue,
      ...SAFE_DEAD_LETTERING,
    },
  };
}

export const PARKING_QUEUE_ARGUMENTS: Options.AssertQueue = { durable: true, arguments: { 'x-queue-type': 'quorum' } };

export async function declareEventsExchange(channel: ConfirmChannel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

/** A durable consumer queue and the events bound to it, as its consumer declares it. */
export interface QueueDeclaration {
  queue: string;
  routingKeys: readonly string[];
  retry?: Partial<RetryPolicy>;
  deliveryLimit?: number;
}

/**
 * The queues a system needs, declared by its publishers before they publish, so
 * no event is confirmed into a void while a consumer has not declared its queue
 * yet. Events in `unroutable` may have no queue (notifications): they are
 * published without the `mandatory` flag; every other event must reach a queue.
 */
export interface MessagingTopology {
  queues: readonly QueueDeclaration[];
  unroutable?: readonly string[];
}

/** Declares every queue of a topology exactly as its consumer does (same arguments, or the broker refuses one of them). */
export async function declareTopology(channel: ConfirmChannel, exchange: string, topology: MessagingTopology): Promise<void> {
  await declareEventsExchange(channel, exchange);
  for (const { queue, routingKeys, retry, deliveryLimit } of topology.queues) {
    assertQueueName(queue);
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...retry };
    validateRetryPolicy(policy);
    await declareConsumerTopology(channel, { exchange, queue, routingKeys, policy, deliveryLimit: deliveryLimit ?? DEFAULT_DELIVERY_LIMIT });
  }
}

/** Idempotent: run in the channel setup, so it is declared again after every reconnect. */
export async function declareConsumerTopology(
  channel: ConfirmChannel,
  options: { exchange: string; queue: string; routingKeys: readonly string[]; policy: RetryPolicy; deliveryLimit: number },
): Promise<void> {
  const { exchange, queue, routingKeys, policy, deliveryLimit } = options;
  await declareEventsExchange(channel, exchange);
  await channel.assertQueue(parkingQueueName(queue), PARKING_QUEUE_ARGUMENTS);
  await channel.assertQueue(queue, mainQueueArguments(queue, deliveryLimit));
  for (const delayMs of retryDelays(policy)) {
    await channel.assertQueue(retryQueueName(queue, delayMs), retryQueueArguments(queue, delayMs));
  }
  for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
}
