//! The reconciler's SQL. Every state goes through `auth_mirror.apply_user_state`, the one
//! convergence rule; each statement returns [`Effects`], counted from the values it returned.

pub mod auth_api;
pub mod auth_users;
mod lock;

pub use lock::{try_lock, ReconcileLock};

use uuid::Uuid;

/// What one statement did, counted from the values `apply_user_state` returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effects {
    /// Live states the rule inserted.
    pub created: i64,
    /// Live states the rule wrote over an older row.
    pub updated: i64,
    /// States the mirror already had (or that an existing tombstone outranks).
    pub unchanged: i64,
    /// Deletions the rule wrote: the row is a tombstone now.
    pub tombstoned: i64,
    /// States without a real version (`updated_at` unset), which never write.
    pub unversioned: i64,
}
from_row!(Effects {
    created,
    updated,
    unchanged,
    tombstoned,
    unversioned
});

impl std::ops::AddAssign for Effects {
    fn add_assign(&mut self, other: Self) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.tombstoned += other.tombstoned;
        self.unversioned += other.unversioned;
    }
}

/// A batch of `auth.users`, in id order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Batch {
    pub effects: Effects,
    /// How many users the batch read.
    pub users: i64,
    /// The last id read: where the next batch starts. `None` when nothing was left.
    pub last_id: Option<Uuid>,
}

/// Turns a set of `(id, deletion, effect)` rows named `applied` into [`Effects`] columns.
pub(crate) const COUNT_EFFECTS: &str = "
    count(*) filter (where effect = 'inserted' and not deletion) as created,
    count(*) filter (where effect = 'updated' and not deletion) as updated,
    count(*) filter (where effect = 'stale') as unchanged,
    count(*) filter (where effect in ('inserted', 'updated') and deletion) as tombstoned,
    count(*) filter (where effect = 'unversioned') as unversioned";

/// A live mirror row `u` whose auth user is gone, as a hard deletion: the version is the one
/// the mirror holds (the trigger's DELETE would send the same), or now for rows that predate
/// the mirror and have none.
pub(crate) const ORPHAN_DELETION: &str = "u.id, null, null, u.is_anonymous, null, null, null, \
    u.auth_created_at, coalesce(u.auth_updated_at, now()), null, true";
