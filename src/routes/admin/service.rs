//! What the admin API and the admin console both answer, read from the store: the stats
//! summary, a page of events and one event in full. The HTTP layers only render it.

use sqlx::PgPool;

use crate::admin::types::{EventDetail, EventPage, Stats};
use crate::admin::{Cursor, PageRequest};
use crate::domain::{EventFilter, EventStatus};
use crate::store::{admin_events, stats};

/// Counts per status (every status present) and source, the oldest failed and dead events,
/// trigger errors.
pub async fn stats(pool: &PgPool) -> Result<Stats, sqlx::Error> {
    let mut stats = Stats::default();
    for status in EventStatus::ALL {
        stats.by_status.insert(status.as_str().to_owned(), 0);
    }
    for (source, status, count) in stats::events_by_source_and_status(pool).await? {
        *stats.by_status.entry(status.clone()).or_default() += count;
        *stats
            .by_source
            .entry(source)
            .or_default()
            .entry(status)
            .or_default() += count;
    }
    stats.oldest_failed_at = stats::oldest_with_status(pool, "failed").await?;
    stats.oldest_dead_at = stats::oldest_with_status(pool, "dead").await?;
    stats.trigger_errors = stats::trigger_errors(pool).await?;
    Ok(stats)
}

/// The page `page` of events matching `filter`, newest first, with the next page's cursor.
pub async fn events(
    pool: &PgPool,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<EventPage, sqlx::Error> {
    let items = admin_events::list(pool, filter, page.before, page.limit).await?;
    let last_id = items.last().map(|last| last.id);
    let next_cursor = page.next_cursor(items.len(), last_id, Cursor::EventsBefore);
    Ok(EventPage { items, next_cursor })
}

/// The event `id` in full, its payload (as JSON, or a string when it is not JSON) only when
/// `with_payload`; `None` when there is no such event.
pub async fn event(
    pool: &PgPool,
    id: i64,
    with_payload: bool,
) -> Result<Option<EventDetail>, sqlx::Error> {
    let Some(row) = admin_events::get(pool, id, with_payload).await? else {
        return Ok(None);
    };
    let payload = row.payload.map(|bytes| {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()))
    });
    Ok(Some(EventDetail {
        summary: row.summary,
        webhook_id: row.webhook_id,
        signed_at: row.signed_at,
        last_attempt_at: row.last_attempt_at,
        updated_at: row.updated_at,
        payload_expunged: row.payload_expunged,
        payload,
    }))
}
