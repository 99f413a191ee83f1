//! The event store, `auth_mirror.events`: every verified delivery, kept with its outcome.

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
