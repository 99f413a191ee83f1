//! At most one reconcile per database: a session-level advisory lock, held by a connection
//! of its own for the whole run (released when it closes, even if the process dies).

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// The advisory lock key of `auth-mirror reconcile` ("am-recon" in ASCII). Advisory locks
/// are per database, so reconciles of different databases do not exclude each other.
const RECONCILE_LOCK_KEY: i64 = 0x616d_2d72_6563_6f6e;

/// The held lock. Dropping it closes its connection, which releases the lock too.
pub struct ReconcileLock {
    connection: PgConnection,
}

impl ReconcileLock {
    /// Releases the lock and closes its connection.
    pub async fn release(mut self) -> Result<(), sqlx::Error> {
        sqlx::query("select pg_advisory_unlock($1)")
            .bind(RECONCILE_LOCK_KEY)
            .execute(&mut self.connection)
            .await?;
        self.connection.close().await
    }
}

/// Takes the lock without waiting. `Ok(Err(pid))` when another session holds it (`pid`
/// is that backend's process id, when visible).
pub async fn try_lock(
    options: &PgConnectOptions,
) -> Result<Result<ReconcileLock, Option<i32>>, sqlx::Error> {
    let mut connection = PgConnection::connect_with(options).await?;
    let taken: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(RECONCILE_LOCK_KEY)
        .fetch_one(&mut connection)
        .await?;
    if taken {
        return Ok(Ok(ReconcileLock { connection }));
    }
    // A bigint key is stored as classid (high half) and objid (low half), objsubid 1.
    let holder: Option<i32> = sqlx::query_scalar(
        "select pid from pg_locks \
          where locktype = 'advisory' and granted and objsubid = 1 \
            and database = (select oid from pg_database where datname = current_database()) \
            and classid::bigint = ($1 >> 32) and objid::bigint = ($1 & 4294967295) \
          limit 1",
    )
    .bind(RECONCILE_LOCK_KEY)
    .fetch_optional(&mut connection)
    .await?;
    connection.close().await.ok();
    Ok(Err(holder))
}
