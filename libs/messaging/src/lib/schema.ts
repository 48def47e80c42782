/**
 * The tables behind the outbox and the inbox, as a migration. The DDL is what
 * `prisma migrate` generates for MESSAGING_PRISMA_MODELS (same names, same
 * types), plus the NOTIFY trigger Prisma cannot express, so a service can paste
 * both into its schema.prisma and a migration without drift.
 */
export const MESSAGING_PRISMA_MODELS = `/// Events written in the same transaction as the business change; published by the outbox relay.
model OutboxEvent {
  id            String    @id @db.Uuid
  /// Commit order; the relay publishes each aggregate's events in this order.
  sequence      BigInt    @unique @default(autoincrement())
  aggregateType String    @map("aggregate_type")
  aggregateId   String    @map("aggregate_id")
  eventName     String    @map("event_name")
  eventVersion  Int       @map("event_version")
  payload       Json
  /// { traceId, correlationId, traceparent, tracestate? }: the W3C trace context of the request that wrote it
  headers       Json      @default("{}")
  createdAt     DateTime  @default(now()) @map("created_at") @db.Timestamptz(6)
  sentAt        DateTime? @map("sent_at") @db.Timestamptz(6)
  attempts      Int       @default(0)
  lastError     String?   @map("last_error")
  /// The relay leaves this event alone until then (its own retry backoff).
  nextAttemptAt DateTime  @default(now()) @map("next_attempt_at") @db.Timestamptz(6)
  /// Set when every publish attempt failed: unsent, it holds back its aggregate's later events.
  deadAt        DateTime? @map("dead_at") @db.Timestamptz(6)

  @@index([sentAt, sequence])
  /// sentAt before sequence: the relay looks for an aggregate's earlier *unsent* events.
  @@index([aggregateType, aggregateId, sentAt, sequence])
  @@map("outbox_event")
}

/// Inbox: one row per message a consumer applied, written in the handler's transaction.
model ProcessedMessage {
  consumer    String
  messageId   String   @map("message_id")
  processedAt DateTime @default(now()) @map("processed_at") @db.Timestamptz(6)

  @@id([consumer, messageId])
  @@map("processed_message")
}
`;

export const MESSAGING_TABLES_SQL = `-- CreateTable
CREATE TABLE "outbox_event" (
    "id" UUID NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" TEXT NOT NULL,
    "event_name" TEXT NOT NULL,
    "event_version" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dead_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_message" (
    "consumer" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_message_pkey" PRIMARY KEY ("consumer","message_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_sent_at_sequence_idx" ON "outbox_event"("sent_at", "sequence");

-- CreateIndex
CREATE INDEX "outbox_event_aggregate_type_aggregate_id_sent_at_sequence_idx" ON "outbox_event"("aggregate_type", "aggregate_id", "sent_at", "sequence");

-- Wakes the relay (LISTEN outbox_event) when a transaction that wrote events commits.
CREATE FUNCTION "outbox_event_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_event', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_event_notify" AFTER INSERT ON "outbox_event"
FOR EACH STATEMENT EXECUTE FUNCTION "outbox_event_notify"();
`;
