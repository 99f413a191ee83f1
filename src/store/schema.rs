//! The SQL objects the migrations create, read back from the catalog as SQL text: what
//! `auth-mirror db schema` prints and `sql/schema.sql` holds, so the current definitions can be
//! read in one place instead of by replaying the migrations.

use sqlx::PgPool;

use super::StoreError;

/// One block of SQL text per object, in a stable order (the query says what is included).
const QUERY: &str = include_str!("schema.sql");

/// The command that writes `sql/schema.sql` again after a migration is added or changed.
pub const REGENERATE: &str = "cargo run -q -- db schema --fresh > sql/schema.sql";

/// The schema of the database behind `pool`: the objects of schema `auth_mirror`,
/// `public.users` and the triggers on `auth.users`, as SQL text ending in a newline.
/// Reads only (a read-only transaction).
pub async fn current(pool: &PgPool) -> Result<String, StoreError> {
    let mut transaction = pool.begin().await?;
    // Empty search path: our names come out schema-qualified, built-ins do not, whatever
    // the role's own search path is.
    sqlx::raw_sql("set transaction read only; set local search_path = ''")
        .execute(&mut *transaction)
        .await?;
    let blocks: Vec<String> = sqlx::query_scalar(QUERY)
        .fetch_all(&mut *transaction)
        .await?;
    transaction.rollback().await?;
    Ok(format!(
        "-- auth-mirror's SQL objects as the migrations leave them: schema auth_mirror,\n\
         -- public.users and the triggers on auth.users. Generated from the catalog by\n\
         -- `auth-mirror db schema`; do not edit. After changing migrations/, regenerate it:\n\
         --   {REGENERATE}\n\n{}\n",
        blocks.join("\n\n")
    ))
}
