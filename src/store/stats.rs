//! Counts for `GET /admin/stats`, the events gauge, `GET /admin/trigger-errors` and the
//! console's chart of deliveries per minute.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::plans;
use crate::domain::{EventStatus, TriggerError, TriggerErrorStats};

/// Events per (source, status): exact, and so a read of the whole table. For an operator's
/// request (`GET /admin/stats`); the periodic gauge uses `gauge_counts`.
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
    let mut transaction = plans::indexed(pool).await?;
    let oldest =
        sqlx::query_scalar("select min(received_at) from auth_mirror.events where status = $1")
            .bind(status)
            .fetch_one(&mut *transaction)
            .await?;
    transaction.commit().await?;
    Ok(oldest)
}

/// How many trigger errors there are, recently and in all.
pub async fn trigger_errors(pool: &PgPool) -> Result<TriggerErrorStats, sqlx::Error> {
    let (total, last_24h, latest_at) = sqlx::query_as(
        "select count(*), \
                count(*) filter (where occurred_at > now() - interval '24 hours'), \
                max(occurred_at) \
         from auth_mirror.trigger_errors",
    )
    .fetch_one(pool)
    .await?;
    Ok(TriggerErrorStats {
        total,
        last_24h,
        latest_at,
    })
}

/// Trigger errors no reconcile has resolved yet (for the gauge).
pub async fn unresolved_trigger_errors(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from auth_mirror.trigger_errors where resolved_at is null")
        .fetch_one(pool)
        .await
}

/// `id, user_id, operation, sqlstate, occurred_at` of `auth_mirror.trigger_errors`.
type TriggerErrorRow = (i64, Option<Uuid>, String, String, DateTime<Utc>);

/// Up to `limit` trigger errors with an id below `before`, newest first.
pub async fn list_trigger_errors(
    pool: &PgPool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<TriggerError>, sqlx::Error> {
    let rows: Vec<TriggerErrorRow> = sqlx::query_as(
        "select id, user_id, operation, sqlstate, occurred_at from auth_mirror.trigger_errors \
         where $1::bigint is null or id < $1 order by id desc limit $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let error = |(id, user_id, operation, sqlstate, occurred_at)| TriggerError {
        id,
        user_id,
        operation,
        sqlstate,
        occurred_at,
    };
    Ok(rows.into_iter().map(error).collect())
}

/// Events received in the last `minutes` minutes per (minute, status), oldest minute first;
/// minutes without events are absent.
pub async fn events_per_minute(
    pool: &PgPool,
    minutes: i32,
) -> Result<Vec<(DateTime<Utc>, String, i64)>, sqlx::Error> {
    let mut transaction = plans::indexed(pool).await?;
    let rows = sqlx::query_as(
        "select date_trunc('minute', received_at) as minute, status, count(*) \
         from auth_mirror.events \
         where received_at >= date_trunc('minute', now()) - make_interval(mins => $1 - 1) \
         group by 1, 2 order by 1, 2",
    )
    .bind(minutes)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(rows)
}

/// The statuses the gauge counts exactly: work still to do, which an operator alerts on, and
/// few in a healthy store.
pub const COUNTED: [EventStatus; 2] = [EventStatus::Failed, EventStatus::Dead];
/// The statuses the gauge estimates: one event per delivery, as many as the table holds.
pub const ESTIMATED: [EventStatus; 2] = [EventStatus::Applied, EventStatus::Ignored];

/// What the events gauge shows, read without a scan of the whole table.
#[derive(Debug, Clone, PartialEq)]
pub struct GaugeCounts {
    /// Every status of `COUNTED`, counted through the `(status, id)` index.
    pub counted: Vec<(EventStatus, i64)>,
    /// Every status of `ESTIMATED` from the planner's statistics (rows per page from the last
    /// `ANALYZE` or vacuum, times the table's pages now, times the status' share in the
    /// sample); `None` until the table has been analyzed.
    pub estimated: Option<Vec<(EventStatus, i64)>>,
}

/// The events gauge's figures (see `GaugeCounts`).
pub async fn gauge_counts(pool: &PgPool) -> Result<GaugeCounts, sqlx::Error> {
    let names = |statuses: [EventStatus; 2]| statuses.map(EventStatus::as_str).to_vec();
    let mut transaction = plans::indexed(pool).await?;
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "select s.status, (select count(*) from auth_mirror.events e where e.status = s.status) \
         from unnest($1::text[]) as s(status)",
    )
    .bind(names(COUNTED))
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    let estimates: Vec<(String, Option<i64>)> = sqlx::query_as(
        "select s.status, (t.rows * coalesce(f.share, 0))::bigint \
         from unnest($1::text[]) as s(status) \
         left join (select c.reltuples / c.relpages \
                           * (pg_relation_size(c.oid) / current_setting('block_size')::float8) \
                           as rows \
                    from pg_class c \
                    where c.oid = 'auth_mirror.events'::regclass \
                      and c.reltuples >= 0 and c.relpages > 0 \
                      and exists (select from pg_stats \
                                  where schemaname = 'auth_mirror' and tablename = 'events' \
                                    and attname = 'status')) as t on true \
         left join (select v.status, v.share \
                    from pg_stats st, \
                         unnest(st.most_common_vals::text::text[], st.most_common_freqs) \
                           as v(status, share) \
                    where st.schemaname = 'auth_mirror' and st.tablename = 'events' \
                      and st.attname = 'status') as f on f.status = s.status",
    )
    .bind(names(ESTIMATED))
    .fetch_all(pool)
    .await?;
    let status = |name: &str| {
        name.parse::<EventStatus>()
            .map_err(|()| sqlx::Error::Decode(format!("unknown event status {name:?}").into()))
    };
    let counted = counts
        .iter()
        .map(|(name, count)| Ok((status(name)?, *count)))
        .collect::<Result<_, sqlx::Error>>()?;
    // No statistics: every estimate is NULL together.
    let estimated = match estimates.iter().all(|(_, estimate)| estimate.is_some()) {
        true => Some(
            estimates
                .iter()
                .map(|(name, estimate)| Ok((status(name)?, estimate.unwrap_or_default())))
                .collect::<Result<_, sqlx::Error>>()?,
        ),
        false => None,
    };
    Ok(GaugeCounts { counted, estimated })
}
