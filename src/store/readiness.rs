//! Is the database usable: reachable, with this binary's migrations applied?

use sqlx::PgPool;

use super::migrate::latest_version;

/// What `/readyz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    DatabaseUnreachable,
    MigrationsPending,
}

/// One cheap query: the newest successfully applied migration.
pub async fn check(pool: &PgPool) -> Readiness {
    let applied: Result<Option<i64>, sqlx::Error> =
        sqlx::query_scalar("select max(version) from auth_mirror._sqlx_migrations where success")
            .fetch_one(pool)
            .await;
    match applied {
        Ok(Some(version)) if version >= latest_version() => Readiness::Ready,
        Ok(_) => Readiness::MigrationsPending,
        // The history table does not exist yet: reachable, but never migrated.
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P01") => {
            Readiness::MigrationsPending
        }
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            Readiness::DatabaseUnreachable
        }
    }
}
