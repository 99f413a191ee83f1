//! What a parsed event asks of the one batched SQL entry, the same for a delivery and for a
//! stored event tried again: its kind and user, the state to apply, or why it did not parse.

use super::UNPARSED_KIND;
use crate::domain::EventStatus;
use crate::domain::{Action, ParseFailure, ParsedEvent};
use crate::store::ingest::Attempt;

/// The attempt `parsed` asks for; `retry_in`: when a failed apply is tried again (`None`: it
/// is then `dead`).
pub(super) fn attempt(
    parsed: &Result<ParsedEvent, ParseFailure>,
    retry_in: Option<f64>,
) -> Attempt<'_> {
    let (kind, user_id, planned, last_error, state) = match parsed {
        Ok(event) => match &event.action {
            Action::Mirror(state) => (
                event.kind.as_str(),
                event.user_id,
                EventStatus::Applied,
                None,
                Some(state),
            ),
            _ => (
                event.kind.as_str(),
                event.user_id,
                EventStatus::Ignored,
                None,
                None,
            ),
        },
        Err(failure) => (
            UNPARSED_KIND,
            None,
            EventStatus::Failed,
            Some(failure.reason.as_str()),
            None,
        ),
    };
    Attempt {
        kind,
        user_id,
        planned,
        last_error,
        state,
        retry_in,
    }
}
