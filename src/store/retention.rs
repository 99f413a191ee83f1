//! `EVENT_RETENTION`: old `applied` and `ignored` events are deleted in small batches.
//! `failed` and `dead` events are never deleted here: they are work still to be done.

use std::time::Duration;

use sqlx::PgPool;

use super::plans;

/// Deletes up to `batch` applied or ignored events received more than `older_than` ago,
/// oldest first, through the retention index; how many were deleted.
pub async fn delete_batch(
    pool: &PgPool,
    older_than: Duration,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let mut transaction = plans::indexed(pool).await?;
    let result = sqlx::query(
        "delete from auth_mirror.events where id in ( \
           select id from auth_mirror.events \
           where status in ('applied', 'ignored') \
             and received_at < now() - make_interval(secs => $1) \
           order by received_at limit $2 \
           for update skip locked)",
    )
    .bind(older_than.as_secs_f64())
    .bind(batch)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(result.rows_affected())
}
