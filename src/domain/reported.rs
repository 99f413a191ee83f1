//! What a hook endpoint tells its caller about the event it just took, in response headers
//! that Supabase ignores: the service writes them (`routes::outcome_headers`), `auth-mirror
//! send` reads them. One vocabulary for both ends.

/// `applied`, `stale`, `unversioned`, `failed`, `ignored`, `allowed` or `spooled`.
pub const OUTCOME_HEADER: &str = "auth-mirror-outcome";
/// `true` when the event was stored before (a retry): the outcome is the first delivery's.
pub const DUPLICATE_HEADER: &str = "auth-mirror-duplicate";
/// With `failed`: the stored reason (SQLSTATE and constraint, or `unparsed`), never
/// personal data.
pub const ERROR_HEADER: &str = "auth-mirror-error";

/// What the mirror did with an event, as reported to the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Written to `public.users`.
    Applied,
    /// The mirror already held this state or a newer one (or a tombstone): nothing to write.
    Stale,
    /// A state without a real version (Supabase's `0001-01-01`): never written.
    Unversioned,
    /// Stored as `failed`; retried on `RETRY_SCHEDULE`, replayable.
    Failed,
    /// Recorded only: a hook or change this service does not mirror.
    Ignored,
    /// `before-user-created`: recorded, the signup may proceed.
    Allowed,
    /// In the durable spool: stored and applied once the database takes it.
    Spooled,
}

impl Reported {
    const ALL: [Self; 7] = [
        Self::Applied,
        Self::Stale,
        Self::Unversioned,
        Self::Failed,
        Self::Ignored,
        Self::Allowed,
        Self::Spooled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Stale => "stale",
            Self::Unversioned => "unversioned",
            Self::Failed => "failed",
            Self::Ignored => "ignored",
            Self::Allowed => "allowed",
            Self::Spooled => "spooled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|reported| reported.as_str() == text.trim())
    }

    /// Whether the mirror now holds what the event says: it was applied, or it asked for
    /// nothing to be written (stale, unversioned, `before-user-created`).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            Self::Applied | Self::Stale | Self::Unversioned | Self::Allowed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Reported;

    #[test]
    fn every_outcome_reads_back_from_its_header_value() {
        for reported in Reported::ALL {
            assert_eq!(Reported::parse(reported.as_str()), Some(reported));
        }
        assert_eq!(Reported::parse("fine"), None);
    }

    #[test]
    fn only_applied_and_documented_no_ops_are_settled() {
        let settled: Vec<_> = Reported::ALL
            .into_iter()
            .filter(|reported| reported.is_settled())
            .collect();
        assert_eq!(
            settled,
            [
                Reported::Applied,
                Reported::Stale,
                Reported::Unversioned,
                Reported::Allowed
            ]
        );
    }
}
