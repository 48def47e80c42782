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

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_sent_at_sequence_idx" ON "outbox_event"("sent_at", "sequence");

-- CreateIndex
CREATE INDEX "outbox_event_aggregate_type_aggregate_id_sequence_idx" ON "outbox_event"("aggregate_type", "aggregate_id", "sequence");

-- Wakes the relay (LISTEN outbox_event) when a transaction that wrote events commits
-- (libs/messaging MESSAGING_TABLES_SQL: Prisma cannot express triggers).
CREATE FUNCTION "outbox_event_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_event', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_event_notify" AFTER INSERT ON "outbox_event"
FOR EACH STATEMENT EXECUTE FUNCTION "outbox_event_notify"();
