-- CreateEnum
CREATE TYPE "account_kind" AS ENUM ('user', 'system');

-- CreateEnum
CREATE TYPE "account_status" AS ENUM ('active', 'frozen');

-- CreateEnum
CREATE TYPE "movement_kind" AS ENUM ('transfer', 'deposit');

-- CreateEnum
CREATE TYPE "direction" AS ENUM ('in', 'out');

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "kind" "account_kind" NOT NULL DEFAULT 'user',
    "user_id" UUID,
    "email" TEXT,
    "display_name" VARCHAR(100) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "balance" BIGINT NOT NULL DEFAULT 0,
    "status" "account_status" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "movement_id" UUID NOT NULL,
    "movement_kind" "movement_kind" NOT NULL,
    "account_id" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "balance_after" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transfers" (
    "id" UUID NOT NULL,
    "from_account_id" UUID NOT NULL,
    "to_account_id" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "note" VARCHAR(140),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transfers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deposits" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deposits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "user_id" UUID NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "response_status" SMALLINT NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id","key")
);

-- CreateTable
CREATE TABLE "activity" (
    "sequence" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "movement_id" UUID NOT NULL,
    "kind" "movement_kind" NOT NULL,
    "direction" "direction" NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "counterparty_user_id" UUID,
    "counterparty_email" TEXT,
    "counterparty_display_name" VARCHAR(100),
    "note" VARCHAR(140),
    "balance_after" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_pkey" PRIMARY KEY ("sequence")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_user_id_key" ON "accounts"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_email_key" ON "accounts"("email");

-- CreateIndex
CREATE INDEX "ledger_entries_movement_id_idx" ON "ledger_entries"("movement_id");

-- CreateIndex
CREATE INDEX "ledger_entries_account_id_id_idx" ON "ledger_entries"("account_id", "id");

-- CreateIndex
CREATE INDEX "transfers_from_account_id_created_at_idx" ON "transfers"("from_account_id", "created_at");

-- CreateIndex
CREATE INDEX "transfers_to_account_id_created_at_idx" ON "transfers"("to_account_id", "created_at");

-- CreateIndex
CREATE INDEX "deposits_account_id_created_at_idx" ON "deposits"("account_id", "created_at");

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- CreateIndex
CREATE INDEX "activity_user_id_sequence_idx" ON "activity"("user_id", "sequence");

-- CreateIndex
CREATE INDEX "activity_user_id_created_at_sequence_idx" ON "activity"("user_id", "created_at", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "activity_user_id_movement_id_key" ON "activity"("user_id", "movement_id");

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_from_account_id_fkey" FOREIGN KEY ("from_account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_to_account_id_fkey" FOREIGN KEY ("to_account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deposits" ADD CONSTRAINT "deposits_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Invariants Prisma's schema language cannot express. The database enforces them
-- whatever code path writes the row.
ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_user_balance_non_negative" CHECK ("kind" = 'system' OR "balance" >= 0),
    ADD CONSTRAINT "accounts_user_has_identity" CHECK ("kind" = 'system' OR ("user_id" IS NOT NULL AND "email" IS NOT NULL)),
    ADD CONSTRAINT "accounts_email_lower_case" CHECK ("email" = lower("email")),
    ADD CONSTRAINT "accounts_currency_code" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_amount_non_zero" CHECK ("amount" <> 0);
ALTER TABLE "transfers"
    ADD CONSTRAINT "transfers_amount_positive" CHECK ("amount" > 0),
    ADD CONSTRAINT "transfers_distinct_accounts" CHECK ("from_account_id" <> "to_account_id");
ALTER TABLE "deposits" ADD CONSTRAINT "deposits_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "activity"
    ADD CONSTRAINT "activity_amount_positive" CHECK ("amount" > 0),
    ADD CONSTRAINT "activity_balance_non_negative" CHECK ("balance_after" >= 0);

-- The external-funding account every deposit is debited from (its balance is
-- minus the sum of all deposits). A fixed id, so code can name it.
INSERT INTO "accounts" ("id", "kind", "display_name", "currency", "balance")
VALUES ('00000000-0000-4000-8000-000000000001', 'system', 'External funding (deposits)', 'EUR', 0);
