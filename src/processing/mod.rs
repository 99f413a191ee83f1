//! The one processing path: `intake` parses a verified delivery, then stores it and applies
//! it with the convergence rule in one transaction, batched with concurrent deliveries
//! (`group_commit`), or keeps it in the `spool`. The answer is given only once it is durable.
//! The retry worker and replay (`stored`) hand stored events to the same SQL decision.

pub mod group_commit;
mod housekeeping;
pub mod intake;
pub mod parsed_delivery;
mod plan;
pub mod replay;
pub mod retry;
pub mod spool;
mod stored;

use std::sync::Arc;

use crate::domain::EventStatus;
use crate::domain::MirrorEffect;
use crate::domain::{Action, ParsedEvent};
use crate::store::events::StoredOutcome;

/// The `kind` of a stored event whose verified body did not parse.
pub(super) const UNPARSED_KIND: &str = "unparsed";

/// What became of a delivery. The event is durable in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The state was applied (or found stale) with the convergence rule.
    Mirrored(MirrorEffect),
    /// Applying failed; the event is stored as `failed` for a later retry. `reason`: the
    /// stored error (SQLSTATE and constraint, no personal data), when this delivery stored it.
    Failed { reason: Option<String> },
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
    /// The database could not take it within the deadline: it is in the durable spool and
    /// is applied when the spool is drained.
    Spooled,
}

impl Outcome {
    /// For a duplicate, what the first delivery came to; else the outcome itself.
    pub fn settled(&self) -> &Outcome {
        match self {
            Self::Duplicate(first) => first,
            other => other,
        }
    }

    /// The `outcome` label of the deliveries metric and of the log line.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Mirrored(effect) => effect.as_str(),
            Self::Failed { .. } => "failed",
            Self::Allowed => "allowed",
            Self::UnsupportedHook(_) => "unsupported_hook",
            Self::UnsupportedChange => "unsupported_change",
            Self::Unparsed => "unparsed",
            Self::Duplicate(_) => "duplicate",
            Self::Spooled => "spooled",
        }
    }
}

/// Why an event is not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreFailure {
    #[error(transparent)]
    Database(Arc<sqlx::Error>),
    #[error("not committed within the delivery deadline of {} ms", .0.as_millis())]
    DeadlinePassed(std::time::Duration),
    /// Not tried: the database could not be reached moments ago (`intake::RecentOutage`).
    #[error("not tried: the database was unreachable moments ago")]
    NotTriedDuringOutage,
}

impl From<sqlx::Error> for StoreFailure {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(Arc::new(error))
    }
}

impl StoreFailure {
    /// Whether no connection to the database could be had (it is down, restarting or not
    /// accepting connections), as opposed to a slow or locked database or a refused value.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Database(error) => matches!(
                error.as_ref(),
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_)
            ),
            Self::DeadlinePassed(_) => false,
            Self::NotTriedDuringOutage => true,
        }
    }

    /// When the database refused the event's data itself (a value or a constraint it will
    /// refuse again, however often it is tried): why, as a SQLSTATE. `None` for an
    /// unreachable, slow or locked database, or a conflict that passes (a deadlock).
    pub fn refusal(&self) -> Option<String> {
        let Self::Database(error) = self else {
            return None;
        };
        let code = error.as_database_error()?.code()?;
        matches!(code.get(..2), Some("22" | "23" | "P0"))
            .then(|| format!("refused by the database: SQLSTATE {code}"))
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
        EventStatus::Failed | EventStatus::Dead => Outcome::Failed { reason: None },
        // Recorded without applying: the same key is the same hook invocation or content,
        // so it asks for the same answer.
        EventStatus::Ignored => match parsed {
            Ok(event) => outcome_without_write(&event.action),
            Err(_) => Outcome::Unparsed,
        },
    }
}

/// The outcome of an action that needs no database write beyond the event itself.
fn outcome_without_write(action: &Action) -> Outcome {
    match action {
        Action::Mirror(_) => Outcome::Mirrored(MirrorEffect::Stale),
        Action::Allow => Outcome::Allowed,
        Action::UnsupportedHook(name) => Outcome::UnsupportedHook(name.clone()),
        Action::UnsupportedChange => Outcome::UnsupportedChange,
    }
}
