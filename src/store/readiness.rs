//! Is the database usable: reachable, with this binary's migrations applied?

use sqlx::PgPool;

use super::migrate::known_versions;

/// What `/readyz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    DatabaseUnreachable,
    MigrationsPending,
}

/// One cheap query: how many of this binary's migrations were applied successfully. All of
/// them, not just the newest: a migration numbered below one already applied (added on a
/// branch) is applied later, and until then the database is not this binary's.
pub async fn check(pool: &PgPool) -> Readiness {
    let known = known_versions();
    let applied: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "select count(*) from auth_mirror._sqlx_migrations where success and version = any($1)",
    )
    .bind(&known)
    .fetch_one(pool)
    .await;
    match applied {
        Ok(count) if count == known.len() as i64 => Readiness::Ready,
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
