//! Stored events tried again (the retry worker and replay): each payload is parsed again with
//! the delivery's parser and the batch goes to the same SQL decision as deliveries
//! (`store::ingest::reapply`). Stored events were verified on arrival, so nothing here checks
//! a signature or a timestamp.

use sqlx::PgConnection;

use super::plan::attempt;
use crate::domain::RetrySchedule;
use crate::domain::{AppliedVia, EventStatus};
use crate::domain::{ParsedEvent, Source};
use crate::store::claims::ClaimedEvent;
use crate::store::ingest::{self, Attempt, Reapplied, StoredAttempt, Tried};

/// Tries claimed (locked) events once more, in the caller's transaction; each attempt is
/// counted and recorded on its event. One answer per event, in user order.
pub async fn reapply(
    connection: &mut PgConnection,
    claimed: &[ClaimedEvent],
    via: AppliedVia,
    schedule: &RetrySchedule,
) -> Result<Vec<Reapplied>, sqlx::Error> {
    let parsed: Vec<_> = claimed
        .iter()
        .map(|event| {
            // The column's check constraint allows only the two sources.
            let source = Source::from_sql(&event.source).unwrap_or(Source::AuthHook);
            event
                .payload
                .as_ref()
                .map(|payload| ParsedEvent::parse(source, payload))
        })
        .collect();
    let attempts: Vec<StoredAttempt> = claimed
        .iter()
        .zip(&parsed)
        .map(|(event, parsed)| {
            let retry_in = schedule.after_failure(event.attempts + 1).retry_in();
            StoredAttempt {
                event_id: event.id,
                attempt: match parsed {
                    Some(parsed) => attempt(parsed, retry_in),
                    // Expunged: the database says what that comes to.
                    None => Attempt {
                        kind: &event.kind,
                        user_id: None,
                        planned: EventStatus::Failed,
                        last_error: None,
                        state: None,
                        retry_in,
                    },
                },
            }
        })
        .collect();
    let reapplied = ingest::reapply(connection, &attempts, via).await?;
    for event in &reapplied {
        if let Some(reason) = event.error.as_deref() {
            tracing::warn!(
                event_id = event.event_id,
                reason,
                via = via.as_str(),
                "applying the event failed"
            );
        }
    }
    Ok(reapplied)
}

/// What a retried or replayed event came to, as the admin API and the metrics name it;
/// `None` when its payload was expunged (nothing was tried).
pub fn outcome_label(tried: Tried) -> Option<&'static str> {
    match tried {
        Tried::Applied => Some("applied"),
        Tried::Ignored => Some("ignored"),
        Tried::StillFailing => Some("still_failing"),
        Tried::Expunged => None,
    }
}
