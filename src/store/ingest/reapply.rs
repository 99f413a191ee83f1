//! The retry worker's and replay's statement: stored events, locked by the caller, tried again
//! by `auth_mirror.reapply_events`, decided as deliveries are.

use sqlx::PgConnection;

use super::{bind_attempts, one_row_each, status, Attempt};
use crate::domain::MirrorEffect;
use crate::domain::{AppliedVia, EventStatus};

/// A stored event and what its payload asks now.
#[derive(Debug)]
pub struct StoredAttempt<'a> {
    pub event_id: i64,
    pub attempt: Attempt<'a>,
}

/// What one try of a stored event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tried {
    /// Applied (or found stale) with the convergence rule.
    Applied,
    /// Recorded without a write to the mirror.
    Ignored,
    /// Applying failed, or the payload does not parse.
    StillFailing,
    /// The payload was expunged: nothing could be tried.
    Expunged,
}

/// One event's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reapplied {
    pub event_id: i64,
    pub tried: Tried,
    /// The event's status now (a replay that fails leaves it as it was).
    pub status: EventStatus,
    pub effect: Option<MirrorEffect>,
    /// Why this try failed.
    pub error: Option<String>,
}

/// Tries `events` again in one statement, in the caller's transaction (which holds their
/// row locks); one answer per event, in the database's order (by user, then event id).
pub async fn reapply(
    connection: &mut PgConnection,
    events: &[StoredAttempt<'_>],
    via: AppliedVia,
) -> Result<Vec<Reapplied>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let attempts: Vec<Attempt> = events.iter().map(|event| event.attempt).collect();
    let query = sqlx::query_as(
        "select o_event_id, o_tried, o_status, o_effect, o_error \
         from auth_mirror.reapply_events(\
           $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(
        events
            .iter()
            .map(|event| event.event_id)
            .collect::<Vec<_>>(),
    )
    .bind(via.as_str());
    let rows: Vec<ReappliedRow> = bind_attempts(query, &attempts)
        .fetch_all(connection)
        .await?;
    one_row_each(rows, events.len(), "reapply_events")?
        .into_iter()
        .map(ReappliedRow::into_reapplied)
        .collect()
}

struct ReappliedRow {
    o_event_id: i64,
    o_tried: String,
    o_status: String,
    o_effect: Option<String>,
    o_error: Option<String>,
}
from_row!(ReappliedRow {
    o_event_id,
    o_tried,
    o_status,
    o_effect,
    o_error
});

impl ReappliedRow {
    fn into_reapplied(self) -> Result<Reapplied, sqlx::Error> {
        let tried = match self.o_tried.as_str() {
            "expunged" => Tried::Expunged,
            "ignored" => Tried::Ignored,
            tried => match status(tried)? {
                EventStatus::Applied => Tried::Applied,
                _ => Tried::StillFailing,
            },
        };
        Ok(Reapplied {
            event_id: self.o_event_id,
            tried,
            status: status(&self.o_status)?,
            effect: self.o_effect.as_deref().and_then(MirrorEffect::from_sql),
            error: self.o_error,
        })
    }
}
