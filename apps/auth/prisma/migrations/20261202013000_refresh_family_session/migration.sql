-- Sign-out revokes refresh families by their session (issue 12, item 5): the path
-- through authorization_codes.session_id broke when housekeeping deleted the code.
ALTER TABLE "refresh_token_families" ADD COLUMN "session_id" VARCHAR(64);

-- Families granted before this migration take the session from their code while it is still there.
UPDATE "refresh_token_families" f SET "session_id" = c."session_id"
FROM "authorization_codes" c
WHERE f."authorization_code_id" = c."id" AND f."session_id" IS NULL;

-- CreateIndex
CREATE INDEX "refresh_token_families_session_id_idx" ON "refresh_token_families"("session_id");
