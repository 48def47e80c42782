-- Deactivation is permanent (issue 11, finding 1). It is recorded even when the user has
-- no account yet, and every write that opens or re-activates an account checks that record
-- under a per-user lock, so neither a user.registered retried after user.deactivated, nor
-- the two consumed at once, nor the on-demand opening with a still-valid token can leave an
-- active account behind. Semicolons inside the plpgsql body are \073: Prisma splits at every semicolon.
CREATE TABLE "deactivated_users" (
    "user_id" UUID NOT NULL,
    "deactivated_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deactivated_users_pkey" PRIMARY KEY ("user_id")
);

-- One transaction-scoped advisory lock per user: opening and deactivating take it first,
-- so whichever commits second sees the other's row.
CREATE FUNCTION "lock_user"("user_id" uuid) RETURNS void LANGUAGE sql VOLATILE AS
  'SELECT pg_advisory_xact_lock(hashtextextended(''flotilla.user:'' || "user_id"::text, 0))';

-- An account inserted for, or set back to active for, a deactivated user is frozen. The
-- trigger function is VOLATILE, so its EXISTS reads a snapshot taken after the lock.
CREATE FUNCTION "accounts_respect_deactivation"() RETURNS trigger LANGUAGE plpgsql VOLATILE AS E'
BEGIN
  IF NEW."user_id" IS NOT NULL AND NEW."status" <> ''frozen'' THEN
    PERFORM "lock_user"(NEW."user_id")\073
    IF EXISTS (SELECT 1 FROM "deactivated_users" WHERE "user_id" = NEW."user_id") THEN
      NEW."status" := ''frozen''\073
    END IF\073
  END IF\073
  RETURN NEW\073
END\073
';

CREATE TRIGGER "accounts_respect_deactivation"
  BEFORE INSERT OR UPDATE OF "status", "user_id" ON "accounts"
  FOR EACH ROW EXECUTE FUNCTION "accounts_respect_deactivation"();
