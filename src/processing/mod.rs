//! The one processing function: parse a verified delivery, then in ONE transaction store it
//! and apply it with the convergence rule. Shared by the webhook handlers, the retry worker
//! and replay (`stored`). The answer is given only after the commit.

mod housekeeping;
pub mod replay;
pub mod retry;
pub mod schedule;
pub mod spool;
mod stored;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, PgConnection, PgPool};

use self::schedule::RetrySchedule;
use crate::domain::{Action, ParsedEvent, Source, UserState};
use crate::store::events::{self, AppliedVia, EventStatus, NewEvent, StoredOutcome};
use crate::store::users::{self, MirrorEffect};
use crate::webhook::VerifiedDelivery;

/// The `kind` of a stored event whose verified body did not parse.
pub(super) const UNPARSED_KIND: &str = "unparsed";

/// What became of a delivery. The event is durable in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The state was applied (or found stale) with the convergence rule.
    Mirrored(MirrorEffect),
    /// Applying failed; the event is stored as `failed` for a later retry.
    Failed,
    /// `before-user-created`: recorded, the signup may proceed.
    Allowed,
    /// An Auth Hook this service does not implement: recorded as ignored.
    UnsupportedHook(String),
    /// A database event on something other than `auth.users`: recorded as ignored.
    UnsupportedChange,
    /// The body verified but did not parse: stored as `failed` with the reason.
    Unparsed,
    /// The same event (same stable key) was stored before; nothing was applied again.
    Duplicate(Box<Outcome>),
}

/// The database could not take the event: it is NOT stored.
#[derive(Debug, thiserror::Error)]
#[error("the event could not be stored: {source}")]
pub struct NotStored {
    #[source]
    source: sqlx::Error,
    /// The event only asked to let a signup proceed (`before-user-created`); answering
    /// anything but success would block the signup for want of a record.
    pub only_allows: bool,
}

/// Stores and applies one verified delivery.
pub async fn process(
    pool: &PgPool,
    source: Source,
    delivery: &VerifiedDelivery,
    body: &[u8],
    schedule: &RetrySchedule,
) -> Result<Outcome, NotStored> {
    let parsed = ParsedEvent::parse(source, body);
    let (key, kind, user_id, status, last_error) = match &parsed {
        Ok(event) => (
            event.key.as_str(),
            event.kind.as_str(),
            event.user_id,
            planned_status(&event.action),
            None,
        ),
        Err(failure) => (
            failure.key.as_str(),
            UNPARSED_KIND,
            None,
            EventStatus::Failed,
            Some(failure.reason.as_str()),
        ),
    };
    let new_event = NewEvent {
        source: source.as_str(),
        kind,
        event_key: key,
        user_id,
        webhook_id: &delivery.webhook_id,
        signed_at: signed_at(delivery.timestamp),
        payload: body,
        status,
        last_error,
        applied_via: None,
    };

    let only_allows = matches!(&parsed, Ok(event) if event.action == Action::Allow);
    store_and_apply(pool, &parsed, &new_event, schedule)
        .await
        .map_err(|source| NotStored {
            source,
            only_allows,
        })
}

/// The one transaction: store the event unless it is a duplicate, apply it, commit.
async fn store_and_apply(
    pool: &PgPool,
    parsed: &Result<ParsedEvent, crate::domain::ParseFailure>,
    new_event: &NewEvent<'_>,
    schedule: &RetrySchedule,
) -> Result<Outcome, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let stored_id = events::insert_if_new(&mut transaction, new_event).await?;
    let outcome = match (parsed, stored_id) {
        (_, None) => {
            let stored = events::stored_outcome(&mut transaction, new_event.event_key)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            Outcome::Duplicate(Box::new(first_outcome(&stored, parsed)))
        }
        (Err(_), Some(_)) => Outcome::Unparsed,
        (Ok(event), Some(id)) => match &event.action {
            Action::Mirror(state) => {
                apply(
                    &mut transaction,
                    id,
                    state,
                    AppliedVia::Delivery,
                    schedule,
                    1,
                )
                .await?
            }
            action => settled_outcome(action),
        },
    };
    transaction.commit().await?;
    Ok(outcome)
}

/// Applies a stored event's state and records the result on the event. A failing apply is
/// rolled back to a savepoint, so the event itself stays, marked `failed` (or `dead` once
/// `schedule` is used up by this `attempt`).
async fn apply(
    connection: &mut PgConnection,
    event_id: i64,
    state: &UserState,
    via: AppliedVia,
    schedule: &RetrySchedule,
    attempt: i32,
) -> Result<Outcome, sqlx::Error> {
    let mut savepoint = connection.begin().await?;
    match users::apply_user_state(&mut savepoint, state).await {
        Ok(effect) => {
            savepoint.commit().await?;
            events::mark_applied(connection, event_id, effect.as_str(), via).await?;
            Ok(Outcome::Mirrored(effect))
        }
        Err(error) => {
            savepoint.rollback().await?;
            let reason = failure_reason(&error);
            tracing::warn!(
                event_id,
                reason,
                via = via.as_str(),
                "applying the event failed"
            );
            let retry_in = schedule.after_failure(attempt).retry_in();
            events::mark_failed(connection, event_id, &reason, retry_in, via).await?;
            Ok(Outcome::Failed)
        }
    }
}

/// The status an event is stored with before any apply.
fn planned_status(action: &Action) -> EventStatus {
    match action {
        Action::Mirror(_) => EventStatus::Applied,
        Action::Allow | Action::UnsupportedHook(_) | Action::UnsupportedChange => {
            EventStatus::Ignored
        }
    }
}

/// For a duplicate: what the first delivery came to, as stored (a failed apply is reported as
/// failed, not as "nothing to do").
fn first_outcome(
    stored: &StoredOutcome,
    parsed: &Result<ParsedEvent, crate::domain::ParseFailure>,
) -> Outcome {
    match stored.status {
        EventStatus::Applied => Outcome::Mirrored(stored.effect.unwrap_or(MirrorEffect::Stale)),
        EventStatus::Failed | EventStatus::Dead if stored.kind == UNPARSED_KIND => {
            Outcome::Unparsed
        }
        EventStatus::Failed | EventStatus::Dead => Outcome::Failed,
        // Recorded without applying: the same key is the same hook invocation or content,
        // so it asks for the same (settled) answer.
        EventStatus::Ignored => match parsed {
            Ok(event) => settled_outcome(&event.action),
            Err(_) => Outcome::Unparsed,
        },
    }
}

/// The outcome of an action that needs no database write beyond the event itself.
fn settled_outcome(action: &Action) -> Outcome {
    match action {
        Action::Mirror(_) => Outcome::Mirrored(MirrorEffect::Stale),
        Action::Allow => Outcome::Allowed,
        Action::UnsupportedHook(name) => Outcome::UnsupportedHook(name.clone()),
        Action::UnsupportedChange => Outcome::UnsupportedChange,
    }
}

fn signed_at(unix_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_seconds, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// SQLSTATE and constraint name only: PostgreSQL's messages and details can quote the row.
fn failure_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database) => match (database.code(), database.constraint()) {
            (Some(code), Some(constraint)) => {
                format!("database error {code} (constraint {constraint})")
            }
            (Some(code), None) => format!("database error {code}"),
            _ => "database error".into(),
        },
        _ => "database unavailable while applying".into(),
    }
}
