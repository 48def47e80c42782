-- External funding over 16 system accounts instead of one (issue #16): every
-- deposit held the one funding row's lock from its UPDATE to its COMMIT, so
-- deposits queued on it. Deposits pick one by a hash of the user's account id
-- (FUNDING_ACCOUNT_IDS in apps/api/src/domain/ledger/deposit-funds.ts). The
-- first (…0001) keeps its balance; together they hold minus all deposits.
INSERT INTO "accounts" ("id", "kind", "display_name", "currency", "balance")
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'system', 'External funding (deposits) ' || n, 'EUR', 0
FROM generate_series(2, 16) AS n
ON CONFLICT ("id") DO NOTHING;
