-- Sign-out at the provider (issue 12, item 10): user.signed_out marks the user's BFF
-- sessions opened before it, and the BFF re-checks each with the provider (a refresh)
-- before its next use; a session whose grant the sign-out revoked then ends.
ALTER TABLE "session" ADD COLUMN "recheck_requested_at" TIMESTAMPTZ(3);
