//! Applying the embedded migrations.
//!
//! sqlx keeps its history table `_sqlx_migrations` in the first schema of the search path. We
//! point the search path at the private schema `auth_mirror` while migrating, so nothing of
//! ours appears in `public`, where Prisma would report drift and offer to drop it. Migration
//! files therefore qualify every name.

use sqlx::migrate::{Migrate, Migrator};
use sqlx::{Connection, Executor, PgPool};

use super::{bootstrap, StoreError};

/// The migrations of `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Creates the private schema if needed, applies every pending migration and (re)installs the
/// `auth.users` trigger where that table exists. Safe to run from
/// several instances at once: sqlx serialises runs with an advisory lock.
pub async fn run(pool: &PgPool) -> Result<(), StoreError> {
    let mut connection = bootstrap::set_up_connection(pool).await?;
    // A concurrent `create schema if not exists` can still fail on the catalog's unique index.
    connection
        .execute(
            "do $$ begin create schema if not exists auth_mirror; \
             exception when unique_violation or duplicate_schema then null; end $$;",
        )
        .await?;
    connection.execute("set search_path = auth_mirror").await?;
    // sqlx's own lock, taken first so that what was there before is read under it (an
    // advisory lock is re-entrant within a session: `run` takes and releases it once more).
    connection.lock().await?;
    connection.ensure_migrations_table().await?;
    let before: Vec<i64> = connection
        .list_applied_migrations()
        .await?
        .iter()
        .map(|migration| migration.version)
        .collect();
    MIGRATOR.run(&mut connection).await?;
    connection.unlock().await?;
    log_applied(&before);
    // Again on every run, so a database whose `auth.users` appeared after the trigger
    // migration (or was restored) gets the trigger too. It reports, never fails.
    let installed: bool = sqlx::query_scalar("select auth_mirror.install_auth_users_trigger()")
        .fetch_one(&mut connection)
        .await?;
    if installed {
        tracing::info!("auth.users trigger installed");
    } else {
        tracing::info!("auth.users trigger not installed (this database has no auth.users, or a WARNING above says why)");
    }
    connection.close().await?;
    Ok(())
}

/// `migrations: up to date (16)`, or `migrations: applied 2 (15, 16)`: what this run did.
fn log_applied(before: &[i64]) {
    let version = known_versions().into_iter().max().unwrap_or(0);
    let applied: Vec<String> = known_versions()
        .into_iter()
        .filter(|known| !before.contains(known))
        .map(|known| known.to_string())
        .collect();
    if applied.is_empty() {
        tracing::info!(version, "migrations: up to date ({version})");
    } else {
        tracing::info!(
            version,
            applied = applied.len(),
            "migrations: applied {} ({})",
            applied.len(),
            applied.join(", ")
        );
    }
}

/// Every migration this binary knows, all of which a ready database must have applied.
pub fn known_versions() -> Vec<i64> {
    MIGRATOR.iter().map(|migration| migration.version).collect()
}
