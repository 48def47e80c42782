import { depositCompletedEvent, transferCompletedEvent } from './ledger-events';
import { userDeactivatedEvent, userMfaChangedEvent, userPasswordChangedEvent, userRegisteredEvent, userSignedOutEvent } from './user-events';

/**
 * Every durable queue the system needs and the events bound to it. Each
 * publisher declares all of them (libs/messaging `createPublisher({ topology })`)
 * before it publishes, and publishes their events with the `mandatory` flag, so
 * an event is never confirmed into a void because its consumer has not started
 * yet or a queue was renamed. The consumer of a queue takes its name from here.
 * The RabbitMQ policies (tools/gen-secrets.sh) and the queue alerts
 * (docker/prometheus/rules/alerts.yml) are tested against this list.
 */
export const MESSAGING_TOPOLOGY = {
  queues: [
    {
      queue: 'ledger.user-events',
      routingKeys: [userRegisteredEvent.name, userDeactivatedEvent.name, userPasswordChangedEvent.name, userSignedOutEvent.name],
    },
  ],
  /**
   * Events that no durable queue needs, published without `mandatory`:
   * transfer.completed and deposit.completed only wake the API replicas' live
   * streams, which read their rows from the database and re-read them whenever
   * their per-replica queue is (re)declared; user.mfa_changed has no consumer yet.
   */
  unroutable: [transferCompletedEvent.name, depositCompletedEvent.name, userMfaChangedEvent.name],
} as const satisfies {
  queues: readonly { queue: string; routingKeys: readonly string[] }[];
  unroutable: readonly string[];
};
