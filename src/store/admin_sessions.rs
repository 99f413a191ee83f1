//! The admin console's sessions (`auth_mirror.admin_sessions`, migration 0016): started at
//! sign-in, kept alive by use, ended by sign-out. Held by the database, so an ended session is
//! ended on every instance and after a restart. Times are the database's, one clock for all
//! instances.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A session's key in the table: the SHA-256 of the id in its cookie.
pub type SessionDigest = [u8; 32];

/// Records a new session lasting until `expires_at`, and sweeps the sessions that are over
/// (expired, or idle longer than `idle`), so the table holds only live ones.
pub async fn start(
    pool: &PgPool,
    digest: &SessionDigest,
    expires_at: DateTime<Utc>,
    idle: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "with swept as ( \
           delete from auth_mirror.admin_sessions \
           where expires_at <= now() or last_seen_at <= now() - make_interval(secs => $3)) \
         insert into auth_mirror.admin_sessions (id_digest, expires_at) values ($1, $2)",
    )
    .bind(digest.as_slice())
    .bind(expires_at)
    .bind(idle.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the session is live (not signed out, expired or idle longer than `idle`); a live
/// one is marked as used now.
pub async fn touch(
    pool: &PgPool,
    digest: &SessionDigest,
    idle: Duration,
) -> Result<bool, sqlx::Error> {
    let touched = sqlx::query(
        "update auth_mirror.admin_sessions set last_seen_at = now() \
         where id_digest = $1 and expires_at > now() \
           and last_seen_at > now() - make_interval(secs => $2)",
    )
    .bind(digest.as_slice())
    .bind(idle.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(touched.rows_affected() == 1)
}

/// Ends the session for good.
pub async fn end(pool: &PgPool, digest: &SessionDigest) -> Result<(), sqlx::Error> {
    sqlx::query("delete from auth_mirror.admin_sessions where id_digest = $1")
        .bind(digest.as_slice())
        .execute(pool)
        .await?;
    Ok(())
}
