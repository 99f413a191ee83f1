//! Group commit's one statement: a batch of verified deliveries stored and applied by
//! `auth_mirror.ingest_deliveries` (migration 0015), one array per column.

use sqlx::PgConnection;

use super::events::{NewEvent, StoredOutcome};
use crate::domain::{EventStatus, MirrorEffect, UserState};

/// One delivery of a batch: its event, and the state to mirror when it has one.
#[derive(Debug)]
pub struct BatchedDelivery<'a> {
    /// Stored with `status` `applied` when `state` is given, else as planned.
    pub event: NewEvent<'a>,
    pub state: Option<&'a UserState>,
    /// Seconds until a failed apply is retried; `None`: never (stored `dead`).
    pub retry_in: Option<f64>,
}

/// What became of one delivery of the batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub event_id: i64,
    /// This delivery stored the event; `false`: the event key was stored before (a retry of
    /// an earlier delivery, or a copy a concurrent batch stored first) and `outcome` is what
    /// that stored event came to.
    pub stored: bool,
    pub outcome: StoredOutcome,
    /// Why applying failed (SQLSTATE and constraint name), or why the body did not parse.
    pub error: Option<String>,
}

/// Stores and applies `batch` in one statement, in the caller's transaction (or its own,
/// when the caller has none). One `Ingested` per delivery, in order.
pub async fn ingest(
    connection: &mut PgConnection,
    batch: &[BatchedDelivery<'_>],
) -> Result<Vec<Ingested>, sqlx::Error> {
    let events = || batch.iter().map(|delivery| &delivery.event);
    let states = || batch.iter().map(|delivery| delivery.state);
    let rows: Vec<IngestedRow> = sqlx::query_as(
        "select o_event_id, o_stored, o_status, o_effect, o_kind, o_error \
         from auth_mirror.ingest_deliveries(\
           $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
           $19, $20)",
    )
    .bind(events().map(|event| event.source).collect::<Vec<_>>())
    .bind(events().map(|event| event.kind).collect::<Vec<_>>())
    .bind(events().map(|event| event.event_key).collect::<Vec<_>>())
    .bind(events().map(|event| event.user_id).collect::<Vec<_>>())
    .bind(events().map(|event| event.webhook_id).collect::<Vec<_>>())
    .bind(events().map(|event| event.signed_at).collect::<Vec<_>>())
    .bind(events().map(|event| event.payload).collect::<Vec<_>>())
    .bind(
        events()
            .map(|event| event.status.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(events().map(|event| event.last_error).collect::<Vec<_>>())
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
    .bind(
        batch
            .iter()
            .map(|delivery| delivery.retry_in)
            .collect::<Vec<_>>(),
    )
    .fetch_all(connection)
    .await?;
    if rows.len() != batch.len() {
        return Err(sqlx::Error::Protocol(format!(
            "ingest_deliveries answered {} rows for {} deliveries",
            rows.len(),
            batch.len()
        )));
    }
    rows.into_iter().map(IngestedRow::into_ingested).collect()
}

/// One field of every state, `None` where a delivery has no state.
fn column<'a, T>(
    states: impl Iterator<Item = Option<&'a UserState>>,
    field: impl Fn(&'a UserState) -> Option<T>,
) -> Vec<Option<T>> {
    states.map(|state| state.and_then(&field)).collect()
}

#[derive(sqlx::FromRow)]
struct IngestedRow {
    o_event_id: i64,
    o_stored: bool,
    o_status: String,
    o_effect: Option<String>,
    o_kind: String,
    o_error: Option<String>,
}

impl IngestedRow {
    fn into_ingested(self) -> Result<Ingested, sqlx::Error> {
        let status: EventStatus = self.o_status.parse().map_err(|()| {
            sqlx::Error::Decode(format!("unknown event status {:?}", self.o_status).into())
        })?;
        Ok(Ingested {
            event_id: self.o_event_id,
            stored: self.o_stored,
            outcome: StoredOutcome {
                kind: self.o_kind,
                status,
                effect: self.o_effect.as_deref().and_then(MirrorEffect::from_sql),
            },
            error: self.o_error,
        })
    }
}
