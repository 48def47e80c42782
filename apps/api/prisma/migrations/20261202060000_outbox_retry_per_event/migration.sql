-- The relay retries each outbox event on its own schedule and gives up on one
-- after its last attempt (libs/messaging outbox.ts, issue 11 finding 6).
-- AlterTable
ALTER TABLE "outbox_event" ADD COLUMN     "dead_at" TIMESTAMPTZ(6),
ADD COLUMN     "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP;
