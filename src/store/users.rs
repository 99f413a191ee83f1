//! What writing a user state into `public.users` did, as the one SQL function that holds the
//! convergence rule (`auth_mirror.apply_user_state`) names it.

/// What applying a state did to the mirror row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorEffect {
    Inserted,
    Updated,
    /// An equal or newer state (or a tombstone) was already there.
    Stale,
    /// The state had no real version and never writes.
    Unversioned,
}

impl MirrorEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inserted => "inserted",
            Self::Updated => "updated",
            Self::Stale => "stale",
            Self::Unversioned => "unversioned",
        }
    }

    /// The effect named by `auth_mirror.apply_user_state`'s answer.
    pub fn from_sql(text: &str) -> Option<Self> {
        [
            Self::Inserted,
            Self::Updated,
            Self::Stale,
            Self::Unversioned,
        ]
        .into_iter()
        .find(|effect| effect.as_str() == text)
    }
}
