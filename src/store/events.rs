//! The event store, `auth_mirror.events`: every verified delivery, kept with its outcome.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{AppliedVia, EventStatus, MirrorEffect};

/// A verified delivery about to be stored.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub source: &'a str,
    pub kind: &'a str,
    pub event_key: &'a str,
    pub user_id: Option<Uuid>,
    pub webhook_id: &'a str,
    pub signed_at: DateTime<Utc>,
    pub payload: &'a [u8],
    pub status: EventStatus,
    pub last_error: Option<&'a str>,
    pub applied_via: Option<AppliedVia>,
}

/// Stores the event unless one with the same key exists; `None` for a duplicate. Concurrent
/// copies wait on the unique key, so exactly one of them gets `Some`.
pub async fn insert_if_new(
    connection: &mut PgConnection,
    event: &NewEvent<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into auth_mirror.events \
           (source, kind, event_key, user_id, webhook_id, signed_at, payload, status, \
            last_error, applied_via) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         on conflict (event_key) do nothing \
         returning id",
    )
    .bind(event.source)
    .bind(event.kind)
    .bind(event.event_key)
    .bind(event.user_id)
    .bind(event.webhook_id)
    .bind(event.signed_at)
    .bind(event.payload)
    .bind(event.status.as_str())
    .bind(event.last_error)
    .bind(event.applied_via.map(AppliedVia::as_str))
    .fetch_optional(connection)
    .await
}

/// Records that the event was applied, and with what effect. A retry or replay counts as
/// one more attempt (the delivery is the first).
pub async fn mark_applied(
    connection: &mut PgConnection,
    id: i64,
    effect: &str,
    via: AppliedVia,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update auth_mirror.events \
         set status = 'applied', effect = $2, applied_via = $3, last_error = null, \
             next_attempt_at = null, updated_at = now(), last_attempt_at = now(), \
             attempts = attempts + ($3 <> 'delivery')::int \
         where id = $1",
    )
    .bind(id)
    .bind(effect)
    .bind(via.as_str())
    .execute(connection)
    .await?;
    Ok(())
}

/// Records that applying the event failed: it is due again after `retry_in_seconds`, or,
/// with `None`, it is `dead` (the retry schedule is used up). A failed replay leaves the
/// status and the retry schedule as they were: a manual try neither kills a failed event
/// nor revives a dead one.
pub async fn mark_failed(
    connection: &mut PgConnection,
    id: i64,
    reason: &str,
    retry_in_seconds: Option<f64>,
    via: AppliedVia,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update auth_mirror.events \
         set status = case when $4 = 'replay' then status \
                           when $3::float8 is null then 'dead' else 'failed' end, \
             next_attempt_at = case when $4 = 'replay' then next_attempt_at \
                                    else now() + make_interval(secs => $3) end, \
             last_error = $2, updated_at = now(), last_attempt_at = now(), \
             attempts = attempts + ($4 <> 'delivery')::int \
         where id = $1",
    )
    .bind(id)
    .bind(reason)
    .bind(retry_in_seconds)
    .bind(via.as_str())
    .execute(connection)
    .await?;
    Ok(())
}

/// Gives an event stored as `unparsed` the kind and user its payload now parses into (after
/// a parser fix).
pub async fn set_parsed_identity(
    connection: &mut PgConnection,
    id: i64,
    kind: &str,
    user_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update auth_mirror.events set kind = $2, user_id = $3 where id = $1")
        .bind(id)
        .bind(kind)
        .bind(user_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Records a retry or replay whose stored event needs no write to the mirror (it parses,
/// now, into an event this service records but does not apply).
pub async fn mark_ignored(
    connection: &mut PgConnection,
    id: i64,
    via: AppliedVia,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update auth_mirror.events \
         set status = 'ignored', applied_via = $2, last_error = null, next_attempt_at = null, \
             updated_at = now(), last_attempt_at = now(), attempts = attempts + 1 \
         where id = $1",
    )
    .bind(id)
    .bind(via.as_str())
    .execute(connection)
    .await?;
    Ok(())
}

/// What a stored event came to, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    /// The hook name, the database operation, or `unparsed`.
    pub kind: String,
    pub status: EventStatus,
    /// What applying it did, when it was applied.
    pub effect: Option<MirrorEffect>,
}

/// The recorded outcome of the event stored under `event_key`, if there is one. Read in the
/// caller's transaction, after `insert_if_new` has waited for any concurrent copy to commit.
pub async fn stored_outcome(
    connection: &mut PgConnection,
    event_key: &str,
) -> Result<Option<StoredOutcome>, sqlx::Error> {
    let row: Option<(String, String, Option<String>)> =
        sqlx::query_as("select kind, status, effect from auth_mirror.events where event_key = $1")
            .bind(event_key)
            .fetch_optional(connection)
            .await?;
    row.map(|(kind, status, effect)| {
        let status = EventStatus::from_sql(&status).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown event status {status:?}").into())
        })?;
        Ok(StoredOutcome {
            kind,
            status,
            effect: effect.as_deref().and_then(MirrorEffect::from_sql),
        })
    })
    .transpose()
}
