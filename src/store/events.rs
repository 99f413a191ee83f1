//! The event store, `auth_mirror.events`: every verified delivery, kept with its outcome.

use crate::domain::{EventStatus, MirrorEffect};

/// What a stored event came to, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    /// The hook name, the database operation, or `unparsed`.
    pub kind: String,
    pub status: EventStatus,
    /// What applying it did, when it was applied.
    pub effect: Option<MirrorEffect>,
}
