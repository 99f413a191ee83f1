//! Plans that do not depend on luck. `auth_mirror.events` grows by every delivery, and its
//! statistics can be missing (a new deployment, a table still growing from empty), stale (a
//! bulk load not yet analyzed) or baked into a generic plan cached while the table was tiny,
//! when a sequential scan is the cheapest plan and stays cached as the table grows. The
//! service's queries on it other than the batch statement each have an index that serves
//! them, so they run with sequential scans priced out of the planner's choice for their
//! transaction (`enable_seqscan = off`): the index is used whatever the statistics say.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Prices sequential scans out of every plan made in the caller's transaction (until it
/// ends). A table with no index serving the query is still read, by the only plan left.
pub async fn prefer_indexes(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("set local enable_seqscan = off")
        .execute(connection)
        .await?;
    Ok(())
}

/// A transaction whose plans use indexes (`prefer_indexes`), for a statement that would
/// otherwise run on its own.
pub async fn indexed(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    prefer_indexes(&mut transaction).await?;
    Ok(transaction)
}
