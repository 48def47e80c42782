-- libs/messaging MESSAGING_TABLES_SQL: the outbox relay and the idempotent consumers' inbox.
-- CreateTable
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
CREATE INDEX "outbox_event_aggregate_type_aggregate_id_sequence_idx" ON "outbox_event"("aggregate_type", "aggregate_id", "sequence");

-- Wakes the relay (LISTEN outbox_event) when a transaction that wrote events commits.
-- A rule, not libs/messaging's plpgsql trigger: Prisma's wasm engine splits a
-- migration at every semicolon, quoted or not, so a function body cannot pass.
-- NOTIFY from a rule fires once per statement and is delivered at commit, like the trigger.
CREATE RULE "outbox_event_notify" AS ON INSERT TO "outbox_event" DO ALSO NOTIFY outbox_event;
