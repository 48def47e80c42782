-- The relay's claim probes each aggregate for an earlier unsent event
-- (sent_at IS NULL AND sequence < ...). With sent_at in the key that probe reads only
-- the aggregate's unsent rows instead of every event it ever sent (libs/messaging schema.ts).
-- DropIndex
DROP INDEX "outbox_event_aggregate_type_aggregate_id_sequence_idx";

-- CreateIndex
CREATE INDEX "outbox_event_aggregate_type_aggregate_id_sent_at_sequence_idx" ON "outbox_event"("aggregate_type", "aggregate_id", "sent_at", "sequence");
