export {
  DEFAULT_EVENTS_EXCHANGE,
  HEADER,
  type EventDefinition,
  type EventPayloadOf,
  type Logger,
  type MessageMetadata,
} from './lib/types';
export {
  BrokerUnavailableError,
  brokerReadinessCheck,
  createMessagingConnection,
  redactUrl,
  type MessagingConnection,
  type MessagingConnectionOptions,
} from './lib/connection';
export { createEnvelope, type Envelope } from './lib/envelope';
export {
  assertValidPayload,
  createPublisher,
  InvalidEventPayloadError,
  PublishFailedError,
  type PublishFailureReason,
  type Publisher,
  type PublisherOptions,
} from './lib/publisher';
export {
  createBroadcastConsumer,
  createConsumer,
  NonRetryableError,
  onBroadcast,
  onEvent,
  runInInbox,
  type BroadcastConsumerOptions,
  type Consumer,
  type ConsumerOptions,
  type DurableConsumer,
  type EventHandler,
  type InboxContext,
  type MessageContext,
} from './lib/consumer';
export {
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_RETRY_POLICY,
  parkingQueueName,
  retryQueueName,
  type MessagingTopology,
  type QueueDeclaration,
  type RetryPolicy,
} from './lib/topology';
export {
  createOutboxRelay,
  enqueueOutbox,
  OUTBOX_NOTIFY_CHANNEL,
  type OutboxEntryOptions,
  type OutboxRelay,
  type OutboxRelayOptions,
  type RelayBatchResult,
  type SqlExecutor,
} from './lib/outbox';
export {
  DEFAULT_INBOX_RETENTION,
  DEFAULT_OUTBOX_RETENTION_MS,
  inboxRetentionProblem,
  longestRetryDelayMs,
  purgeProcessedMessages,
  type InboxRetention,
} from './lib/inbox';
export { messagingMetrics, type MessagingMetrics } from './lib/metrics';
export { MESSAGING_PRISMA_MODELS, MESSAGING_TABLES_SQL } from './lib/schema';
export { watchCheckedOutClient, type ClientWatch } from './lib/pg-client';
