//! Counts for `GET /admin/stats`, the events gauge, `GET /admin/trigger-errors` and the
//! console's chart of deliveries per minute.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::admin::types::{TriggerError, TriggerErrorStats};

/// Events per (source, status).
pub async fn events_by_source_and_status(
    pool: &PgPool,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select source, status, count(*) from auth_mirror.events \
         group by source, status order by source, status",
    )
    .fetch_all(pool)
    .await
}

/// Receipt time of the oldest event with `status`.
pub async fn oldest_with_status(
    pool: &PgPool,
    status: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("select min(received_at) from auth_mirror.events where status = $1")
        .bind(status)
        .fetch_one(pool)
        .await
}

/// How many trigger errors there are, recently and in all.
pub async fn trigger_errors(pool: &PgPool) -> Result<TriggerErrorStats, sqlx::Error> {
    sqlx::query_as(
        "select count(*) as total, \
                count(*) filter (where occurred_at > now() - interval '24 hours') as last_24h, \
                max(occurred_at) as latest_at \
         from auth_mirror.trigger_errors",
    )
    .fetch_one(pool)
    .await
}

/// Trigger errors no reconcile has resolved yet (for the gauge).
pub async fn unresolved_trigger_errors(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from auth_mirror.trigger_errors where resolved_at is null")
        .fetch_one(pool)
        .await
}

/// Up to `limit` trigger errors with an id below `before`, newest first.
pub async fn list_trigger_errors(
    pool: &PgPool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<TriggerError>, sqlx::Error> {
    sqlx::query_as(
        "select id, user_id, operation, sqlstate, occurred_at from auth_mirror.trigger_errors \
         where $1::bigint is null or id < $1 order by id desc limit $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Events received in the last `minutes` minutes per (minute, status), oldest minute first;
/// minutes without events are absent.
pub async fn events_per_minute(
    pool: &PgPool,
    minutes: i32,
) -> Result<Vec<(DateTime<Utc>, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select date_trunc('minute', received_at) as minute, status, count(*) \
         from auth_mirror.events \
         where received_at >= date_trunc('minute', now()) - make_interval(mins => $1 - 1) \
         group by 1, 2 order by 1, 2",
    )
    .bind(minutes)
    .fetch_all(pool)
    .await
}
