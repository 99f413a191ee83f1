//! The one batched SQL entry of every writer: new deliveries (`deliveries`, group commit) and
//! stored events tried again (`reapply`, the retry worker and replay). Both hand the database
//! the same columns per event, bound here once (`Attempt`), and the database decides what each
//! attempt comes to (migration 0017: `auth_mirror.try_apply`).

mod deliveries;
mod reapply;

use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::Postgres;
use uuid::Uuid;

use crate::domain::EventStatus;
use crate::domain::UserState;

pub use deliveries::{ingest, BatchedDelivery, Ingested};
pub use reapply::{reapply, Reapplied, StoredAttempt, Tried};

/// What one event asks of the batch, whoever hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The hook name, the database operation, or `unparsed`.
    pub kind: &'a str,
    pub user_id: Option<Uuid>,
    /// `Applied` when `state` is to be applied, `Ignored` for a recorded-only event,
    /// `Failed` for a body that does not parse (`last_error` says why).
    pub planned: EventStatus,
    pub last_error: Option<&'a str>,
    pub state: Option<&'a UserState>,
    /// Seconds until a failed apply is tried again; `None`: never (it is `dead`).
    pub retry_in: Option<f64>,
}

/// Binds the fifteen arguments both batch functions end with, one array each.
fn bind_attempts<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    attempts: &[Attempt<'q>],
) -> QueryAs<'q, Postgres, O, PgArguments> {
    let states = || attempts.iter().map(|attempt| attempt.state);
    query
        .bind(attempts.iter().map(|a| a.kind).collect::<Vec<_>>())
        .bind(attempts.iter().map(|a| a.user_id).collect::<Vec<_>>())
        .bind(
            attempts
                .iter()
                .map(|a| a.planned.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(attempts.iter().map(|a| a.last_error).collect::<Vec<_>>())
        .bind(column(states(), |state| state.email.as_deref()))
        .bind(column(states(), |state| state.phone.as_deref()))
        .bind(column(states(), |state| Some(state.is_anonymous)))
        .bind(column(states(), |state| state.user_metadata.as_ref()))
        .bind(column(states(), |state| state.app_metadata.as_ref()))
        .bind(column(states(), |state| state.email_confirmed_at))
        .bind(column(states(), |state| state.created_at))
        .bind(column(states(), |state| {
            state.version.map(|version| version.time())
        }))
        .bind(column(states(), |state| state.deleted_at))
        .bind(column(states(), |state| Some(state.removed)))
        .bind(attempts.iter().map(|a| a.retry_in).collect::<Vec<_>>())
}

/// One field of every state, `None` where an event has no state.
fn column<'a, T>(
    states: impl Iterator<Item = Option<&'a UserState>>,
    field: impl Fn(&'a UserState) -> Option<T>,
) -> Vec<Option<T>> {
    states.map(|state| state.and_then(&field)).collect()
}

/// A status the database answered, checked.
fn status(text: &str) -> Result<EventStatus, sqlx::Error> {
    text.parse()
        .map_err(|()| sqlx::Error::Decode(format!("unknown event status {text:?}").into()))
}

/// The batch answered one row per event, or the call is wrong.
fn one_row_each<T>(rows: Vec<T>, sent: usize, function: &str) -> Result<Vec<T>, sqlx::Error> {
    if rows.len() != sent {
        return Err(sqlx::Error::Protocol(format!(
            "{function} answered {} rows for {sent} events",
            rows.len()
        )));
    }
    Ok(rows)
}
