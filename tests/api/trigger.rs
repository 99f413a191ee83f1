//! The `auth.users` mirror trigger (migrations/0005; its function's body since 0019), driven
//! like Supabase Auth drives it: every auth write runs as `supabase_auth_admin`, and the
//! mirror is checked through SQL.

mod columns;
mod hook_order;
mod insert_path;
mod non_superuser;
mod privileges;
mod safety;
mod search_path;
mod signup;
mod tombstones;

use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{Setup, TestDatabase};

const T1: &str = "2024-05-01T10:00:00.123456Z";
const T2: &str = "2024-05-01T11:30:00.654321Z";
const T3: &str = "2024-05-02T08:00:00.000001Z";

/// Supabase's database, migrated, without the app.
async fn supabase_database() -> TestDatabase {
    TestDatabase::create(Setup::default()).await
}

async fn trigger_errors(pool: &PgPool) -> Vec<(Option<Uuid>, String, String)> {
    sqlx::query_as(
        "select user_id, operation, sqlstate from auth_mirror.trigger_errors order by id",
    )
    .fetch_all(pool)
    .await
    .expect("read trigger_errors")
}
