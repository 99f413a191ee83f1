//! The event store, `auth_mirror.events`: every verified delivery, kept with its outcome.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::users::MirrorEffect;

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Applied,
    Failed,
    Dead,
    Ignored,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Ignored => "ignored",
        }
    }

    /// Every status, in the order the admin API and the console list them.
    pub const ALL: [Self; 4] = [Self::Applied, Self::Failed, Self::Dead, Self::Ignored];

    fn from_sql(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// How an event came to be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedVia {
    Delivery,
    Retry,
    Replay,
}

impl AppliedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Retry => "retry",
            Self::Replay => "replay",
        }
    }
}

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

impl std::str::FromStr for EventStatus {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_sql(text).ok_or(())
    }
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
