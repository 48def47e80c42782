-- Two-factor authentication (ASVS 5.0 6.3.3): TOTP secrets (RFC 6238), hashed
-- single-use recovery codes, the second-factor failure log for throttling, and
-- the authentication methods (OIDC amr) carried from the session to the tokens.

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "amr" TEXT[] NOT NULL DEFAULT ARRAY['pwd']::TEXT[];

-- AlterTable
ALTER TABLE "authorization_codes" ADD COLUMN "amr" TEXT[] NOT NULL DEFAULT ARRAY['pwd']::TEXT[];

-- AlterTable
ALTER TABLE "refresh_token_families" ADD COLUMN "amr" TEXT[] NOT NULL DEFAULT ARRAY['pwd']::TEXT[];

-- CreateTable
CREATE TABLE "user_totp" (
    "user_id" UUID NOT NULL,
    "secret" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmed_at" TIMESTAMPTZ(3),
    "last_used_step" BIGINT,

    CONSTRAINT "user_totp_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "recovery_codes" (
    "id" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mfa_attempts" (
    "id" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "succeeded" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mfa_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "recovery_codes_user_id_code_hash_key" ON "recovery_codes"("user_id", "code_hash");

-- CreateIndex
CREATE INDEX "mfa_attempts_user_id_created_at_idx" ON "mfa_attempts"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "mfa_attempts_ip_created_at_idx" ON "mfa_attempts"("ip", "created_at");

-- AddForeignKey
ALTER TABLE "user_totp" ADD CONSTRAINT "user_totp_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
