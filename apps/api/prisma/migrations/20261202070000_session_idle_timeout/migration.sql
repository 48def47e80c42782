-- BFF idle timeout (issue 12, item 10; ASVS 5.0 V7.3.1): every authenticated request
-- moves last_used_at, and a session unused for SESSION_IDLE_TIMEOUT_SECONDS is refused.
-- Existing sessions start their idle clock now.
ALTER TABLE "session" ADD COLUMN "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
