-- Baseline: public.users as auth-mirror's migrations create it (prisma migrate diff --from-empty
-- --to-schema <auth-mirror's prisma/schema.prisma> --script). Never run it: record it as applied
-- with `prisma migrate resolve --applied 0_auth_mirror`. auth-mirror's migrations own this table
-- (and its lower(email) index, row level security and trigger, which Prisma cannot express).

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "is_anonymous" BOOLEAN NOT NULL DEFAULT false,
    "user_metadata" JSONB,
    "app_metadata" JSONB,
    "email_confirmed_at" TIMESTAMPTZ(6),
    "auth_created_at" TIMESTAMPTZ(6),
    "auth_updated_at" TIMESTAMPTZ(6),
    "deleted_at" TIMESTAMPTZ(6),
    "settings" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);
