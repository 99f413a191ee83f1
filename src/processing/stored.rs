//! Processing an event that is already stored (the retry worker and replay): re-parse its
//! payload with the same parser and apply it through the same `apply` as a delivery. Stored
//! events were verified on arrival, so nothing here checks a signature or a timestamp.

use sqlx::PgConnection;

use super::{apply, settled_outcome, Outcome, UNPARSED_KIND};
use crate::domain::{Action, AppliedVia, ParsedEvent, RetrySchedule, Source};
use crate::store::claims::ClaimedEvent;
use crate::store::events;

/// Why a stored event could not be tried at all.
pub const EXPUNGED_REASON: &str = "payload expunged; cannot be applied";

/// Tries a claimed (locked) event once more, in the caller's transaction; counts the attempt
/// and records the result on the event. `None` when its payload was expunged (nothing tried).
pub async fn reapply(
    connection: &mut PgConnection,
    event: &ClaimedEvent,
    via: AppliedVia,
    schedule: &RetrySchedule,
) -> Result<Option<Outcome>, sqlx::Error> {
    let Some(payload) = &event.payload else {
        return Ok(None);
    };
    let attempt = event.attempts + 1;
    // The column's check constraint allows only the two sources.
    let source = Source::from_sql(&event.source).unwrap_or(Source::AuthHook);
    let outcome = match ParsedEvent::parse(source, payload) {
        Ok(parsed) => {
            if event.kind == UNPARSED_KIND {
                events::set_parsed_identity(connection, event.id, &parsed.kind, parsed.user_id)
                    .await?;
            }
            match &parsed.action {
                Action::Mirror(state) => {
                    apply(connection, event.id, state, via, schedule, attempt).await?
                }
                action => {
                    events::mark_ignored(connection, event.id, via).await?;
                    settled_outcome(action)
                }
            }
        }
        Err(failure) => {
            let retry_in = schedule.after_failure(attempt).retry_in();
            events::mark_failed(connection, event.id, &failure.reason, retry_in, via).await?;
            Outcome::Unparsed
        }
    };
    Ok(Some(outcome))
}

/// Gives up on a failed event whose payload was expunged: it becomes `dead`.
pub async fn bury_expunged(connection: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    events::mark_failed(connection, id, EXPUNGED_REASON, None, AppliedVia::Retry).await
}

/// What a retried or replayed event came to, as the admin API and the metrics name it.
pub fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Mirrored(_) => "applied",
        Outcome::Failed | Outcome::Unparsed => "still_failing",
        _ => "ignored",
    }
}
