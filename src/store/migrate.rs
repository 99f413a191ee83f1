//! Applying the embedded migrations.
//!
//! sqlx keeps its history table `_sqlx_migrations` in the first schema of the search path. We
//! point the search path at the private schema `auth_mirror` while migrating, so nothing of
//! ours appears in `public`, where Prisma would report drift and offer to drop it. Migration
//! files therefore qualify every name.

use std::borrow::Cow;
use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migrate, Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{Connection, Executor, PgPool};

use super::{bootstrap, StoreError};

/// The files of `migrations/` (version, file name, text), embedded by `build.rs`.
const FILES: &[(i64, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The migrations embedded in the binary, each as sqlx's own reader makes it from the file
/// (`<version>_<description>.sql`: the same version, description, checksum and
/// `-- no-transaction` flag), so databases migrated by earlier builds stay valid.
pub fn migrations() -> &'static [Migration] {
    static MIGRATIONS: LazyLock<Vec<Migration>> = LazyLock::new(|| {
        FILES
            .iter()
            .map(|&(version, file_name, sql)| {
                let (_, named) = file_name.split_once('_').unwrap_or(("", file_name));
                let migration_type = MigrationType::from_filename(named);
                let description = named
                    .trim_end_matches(migration_type.suffix())
                    .replace('_', " ");
                Migration::new(
                    version,
                    Cow::Owned(description),
                    migration_type,
                    Cow::Borrowed(sql),
                    sql.starts_with("-- no-transaction"),
                )
            })
            .collect()
    });
    &MIGRATIONS
}

/// The embedded migrations as a source for sqlx's `Migrator`.
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async { Ok(migrations().to_vec()) })
    }
}

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
    Migrator::new(Embedded).await?.run(&mut connection).await?;
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
    migrations()
        .iter()
        .map(|migration| migration.version)
        .collect()
}
