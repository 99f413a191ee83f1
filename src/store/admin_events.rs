//! The admin API's reads and writes on `auth_mirror.events`: filtered keyset listing, one
//! event in full, counting and expunging payloads. Each runs in a transaction that prefers
//! indexes (`plans`): an operator's request must not read the whole event store because the
//! statistics are missing or stale.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, Row};

use super::plans::{self, prefer_indexes};
use crate::domain::{EventFilter, EventSummary};

/// Columns of an `EventSummary`.
pub(crate) const SUMMARY_COLUMNS: &str = "id, source, kind, status, user_id, received_at, \
     attempts, last_error, applied_via, effect, next_attempt_at";

/// Reads the `SUMMARY_COLUMNS` (the domain type knows no SQL).
impl<'r> FromRow<'r, PgRow> for EventSummary {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            source: row.try_get("source")?,
            kind: row.try_get("kind")?,
            status: row.try_get("status")?,
            user_id: row.try_get("user_id")?,
            received_at: row.try_get("received_at")?,
            attempts: row.try_get("attempts")?,
            last_error: row.try_get("last_error")?,
            applied_via: row.try_get("applied_via")?,
            effect: row.try_get("effect")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
        })
    }
}

/// Appends ` and ...` for every filter that is set (the query already has a `where`).
pub(crate) fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &EventFilter) {
    if let Some(status) = filter.status {
        query.push(" and status = ").push_bind(status.as_str());
    }
    if let Some(source) = filter.source {
        query.push(" and source = ").push_bind(source.as_str());
    }
    if let Some(kind) = &filter.kind {
        query.push(" and kind = ").push_bind(kind.clone());
    }
    if let Some(user_id) = filter.user_id {
        query.push(" and user_id = ").push_bind(user_id);
    }
    if let Some(since) = filter.since {
        query.push(" and received_at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        query.push(" and received_at < ").push_bind(until);
    }
}

/// Up to `limit` events matching `filter` with an id below `before`, newest first.
pub async fn list(
    pool: &PgPool,
    filter: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<EventSummary>, sqlx::Error> {
    let mut query = QueryBuilder::new(format!(
        "select {SUMMARY_COLUMNS} from auth_mirror.events where true"
    ));
    push_filter(&mut query, filter);
    if let Some(before) = before {
        query.push(" and id < ").push_bind(before);
    }
    query.push(" order by id desc limit ").push_bind(limit);
    let mut transaction = plans::indexed(pool).await?;
    let page = query.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    Ok(page)
}

/// One event with everything but its payload, and the payload if asked.
#[derive(Debug)]
pub struct EventRow {
    pub summary: EventSummary,
    pub webhook_id: String,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    pub last_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub payload_expunged: bool,
    pub payload: Option<Vec<u8>>,
}
from_row!(EventRow {
    summary: flatten,
    webhook_id,
    signed_at,
    last_attempt_at,
    updated_at,
    payload_expunged,
    payload
});

/// The event `id`, with its payload only when `with_payload`.
pub async fn get(
    pool: &PgPool,
    id: i64,
    with_payload: bool,
) -> Result<Option<EventRow>, sqlx::Error> {
    let mut transaction = plans::indexed(pool).await?;
    let row = sqlx::query_as(&format!(
        "select {SUMMARY_COLUMNS}, webhook_id, signed_at, last_attempt_at, updated_at, \
                payload is null as payload_expunged, \
                case when $2 then payload end as payload \
         from auth_mirror.events where id = $1"
    ))
    .bind(id)
    .bind(with_payload)
    .fetch_optional(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(row)
}

/// Removes the payload of event `id`, keeping its outcome; its status if it exists.
pub async fn expunge_payload(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    let mut transaction = plans::indexed(pool).await?;
    let status = sqlx::query_scalar(
        "update auth_mirror.events set payload = null, updated_at = now() \
         where id = $1 returning status",
    )
    .bind(id)
    .fetch_optional(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(status)
}

/// Failed or dead events matching `filter` with an id above `after`: (all, expunged).
pub async fn count_replayable(
    pool: &PgPool,
    filter: &EventFilter,
    after: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let mut query = QueryBuilder::new(
        "select count(*), count(*) filter (where payload is null) from auth_mirror.events \
         where status in ('failed', 'dead') and id > ",
    );
    query.push_bind(after);
    push_filter(&mut query, filter);
    let mut transaction = plans::indexed(pool).await?;
    let counts = query.build_query_as().fetch_one(&mut *transaction).await?;
    transaction.commit().await?;
    Ok(counts)
}

/// The summary of event `id`, read in the caller's transaction.
pub async fn summary(
    connection: &mut sqlx::PgConnection,
    id: i64,
) -> Result<EventSummary, sqlx::Error> {
    prefer_indexes(connection).await?;
    sqlx::query_as(&format!(
        "select {SUMMARY_COLUMNS} from auth_mirror.events where id = $1"
    ))
    .bind(id)
    .fetch_one(connection)
    .await
}
