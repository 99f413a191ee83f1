//! The migrations against a database that already holds the seed recipe's Prisma
//! `public.users`, and what they leave in `public` on a fresh one.

mod adoption;
mod fresh;
mod refusal;

use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::Setup;

/// The seed recipe's Prisma model (`id String @id`, `email String @unique`,
/// `settings Json?`, `createdAt`, `updatedAt`), as `prisma migrate` creates it.
const PRISMA_USERS: &str = "
    create table public.users (
        id text primary key,
        email text not null,
        settings jsonb,
        created_at timestamp(3) not null default current_timestamp,
        updated_at timestamp(3) not null
    );
    create unique index users_email_key on public.users(email);
";

const UNMIGRATED: Setup = Setup {
    supabase_shaped: false,
    migrated: false,
};

async fn seed_row(pool: &PgPool, id: &str, email: &str, settings: Value) {
    sqlx::query(
        "insert into public.users (id, email, settings, updated_at) \
         values ($1, $2, $3, current_timestamp)",
    )
    .bind(id)
    .bind(email)
    .bind(settings)
    .execute(pool)
    .await
    .expect("seed row");
}

async fn column(pool: &PgPool, name: &str) -> Option<(String, String)> {
    sqlx::query_as(
        "select data_type::text, is_nullable::text from information_schema.columns \
          where table_schema = 'public' and table_name = 'users' and column_name = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .expect("read information_schema.columns")
}
