//! Claiming stored events for a retry or a replay. Every claim is a row lock taken inside
//! the caller's transaction, so that several instances on one database never apply the
//! same event twice: the retry worker and bulk replay skip rows another transaction holds
//! (`FOR UPDATE SKIP LOCKED`), a single replay waits for it. Every claim also makes the
//! rest of the caller's transaction prefer indexes (`plans::prefer_indexes`): the retry
//! worker claims every few seconds, and a cached plan that scans the whole table would
//! read every stored event each time.

use sqlx::{PgConnection, QueryBuilder};

use super::admin_events::push_filter;
use super::plans::prefer_indexes;
use crate::domain::EventFilter;

/// A stored event, locked for this transaction.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    pub id: i64,
    pub source: String,
    /// `unparsed` when the body did not parse on arrival.
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    /// NULL once expunged.
    pub payload: Option<Vec<u8>>,
}
from_row!(ClaimedEvent {
    id,
    source,
    kind,
    status,
    attempts,
    payload
});

const CLAIMED_COLUMNS: &str = "id, source, kind, status, attempts, payload";

/// Up to `limit` failed events whose next attempt is due, oldest due first.
pub async fn claim_due(
    connection: &mut PgConnection,
    limit: i64,
) -> Result<Vec<ClaimedEvent>, sqlx::Error> {
    prefer_indexes(connection).await?;
    sqlx::query_as(&format!(
        "select {CLAIMED_COLUMNS} from auth_mirror.events \
         where status = 'failed' and next_attempt_at <= now() \
         order by next_attempt_at limit $1 \
         for update skip locked"
    ))
    .bind(limit)
    .fetch_all(connection)
    .await
}

/// The event `id`, waiting for any other transaction that holds it.
pub async fn lock_one(
    connection: &mut PgConnection,
    id: i64,
) -> Result<Option<ClaimedEvent>, sqlx::Error> {
    prefer_indexes(connection).await?;
    sqlx::query_as(&format!(
        "select {CLAIMED_COLUMNS} from auth_mirror.events where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(connection)
    .await
}

/// Up to `limit` failed or dead events matching `filter` with an id above `after`, in id
/// order, skipping those another transaction holds.
pub async fn claim_replayable(
    connection: &mut PgConnection,
    filter: &EventFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<ClaimedEvent>, sqlx::Error> {
    prefer_indexes(connection).await?;
    let mut query = QueryBuilder::new(format!(
        "select {CLAIMED_COLUMNS} from auth_mirror.events \
         where status in ('failed', 'dead') and id > "
    ));
    query.push_bind(after);
    push_filter(&mut query, filter);
    query
        .push(" order by id limit ")
        .push_bind(limit)
        .push(" for update skip locked");
    query.build_query_as().fetch_all(connection).await
}
