//! What a reconcile reports: the effects on the mirror so far, and where it is.

use std::fmt;

pub use crate::store::reconcile::Effects;

/// Which stage a reconcile is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Users named by unresolved `auth_mirror.trigger_errors`, first.
    TriggerErrors,
    /// Every user of the source of truth.
    Users,
    /// Mirror rows whose user the source no longer has.
    Tombstones,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TriggerErrors => "trigger errors",
            Self::Users => "users",
            Self::Tombstones => "tombstones",
        }
    }
}

/// A snapshot of a running reconcile, given to the progress callback after every batch.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub phase: Phase,
    /// Users (or rows) done in this phase.
    pub done: u64,
    /// How many there are in this phase, when known.
    pub total: Option<u64>,
    /// Effects of the whole run so far.
    pub effects: Effects,
}

/// The outcome of a reconcile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Counts only: every write was rolled back.
    pub dry_run: bool,
    /// Users read from the source of truth.
    pub users_read: i64,
    pub effects: Effects,
    /// Trigger errors marked resolved (in a dry run: that would be); `None` where the
    /// source has none (the Admin API).
    pub trigger_errors_resolved: Option<i64>,
}

impl fmt::Display for Report {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let effects = &self.effects;
        write!(
            formatter,
            "{}{} users read: {} created, {} updated, {} unchanged, {} tombstoned",
            if self.dry_run {
                "dry run, nothing written: "
            } else {
                ""
            },
            self.users_read,
            effects.created,
            effects.updated,
            effects.unchanged,
            effects.tombstoned,
        )?;
        if effects.unversioned > 0 {
            write!(
                formatter,
                ", {} skipped (no updated_at)",
                effects.unversioned
            )?;
        }
        match self.trigger_errors_resolved {
            Some(resolved) => write!(
                formatter,
                "; {resolved} trigger error(s) {}resolved",
                if self.dry_run { "would be " } else { "" }
            ),
            None => Ok(()),
        }
    }
}
