-- The ledger's rules in the database, whatever code path writes (issue 11, finding 9).
-- Prisma's wasm engine splits a migration at every semicolon, quoted or not, so the
-- plpgsql bodies are E'' strings that write their semicolons as \073.

-- Entries are facts: a correction is a new movement, never an edit. UPDATE, DELETE and
-- TRUNCATE of ledger_entries fail.
CREATE FUNCTION "ledger_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''ledger_entries is append-only: % refused'', TG_OP
    USING ERRCODE = ''restrict_violation'', HINT = ''Record a compensating movement instead.''\073
END\073
';

CREATE TRIGGER "ledger_entries_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "ledger_entries"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entries_append_only"();

CREATE TRIGGER "ledger_entries_no_truncate"
  BEFORE TRUNCATE ON "ledger_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_entries_append_only"();

-- Double entry: at commit, each movement's entries sum to zero. Deferred, because a
-- movement inserts its entries one statement at a time inside one transaction.
CREATE FUNCTION "ledger_entries_movement_balanced"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  total numeric\073
BEGIN
  SELECT sum("amount") INTO total FROM "ledger_entries" WHERE "movement_id" = NEW."movement_id"\073
  IF total <> 0 THEN
    RAISE EXCEPTION ''movement % entries sum to %, not 0'', NEW."movement_id", total
      USING ERRCODE = ''check_violation''\073
  END IF\073
  RETURN NULL\073
END\073
';

CREATE CONSTRAINT TRIGGER "ledger_entries_zero_sum"
  AFTER INSERT ON "ledger_entries"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "ledger_entries_movement_balanced"();
