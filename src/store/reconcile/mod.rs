//! The reconciler's SQL. Every statement hands its states to `auth_mirror.apply_states`, the one
//! convergence rule, in one call (set-based: one write per user); each returns [`Effects`],
//! counted from the effects the rule returned.

pub mod auth_api;
pub mod auth_users;
mod lock;

pub use lock::{try_lock, ReconcileLock};

use uuid::Uuid;

/// What one statement did, counted from the effects `apply_states` returned.
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

/// Applies the rows of a CTE `states (n, id, email, phone, is_anonymous, user_metadata,
/// app_metadata, email_confirmed_at, created_at, updated_at, deleted_at, removed, ...)`, `n`
/// numbering them from 1 in the order to apply, in ONE call of the set-based rule
/// (`auth_mirror.apply_states`), as a CTE `applied`: every column of `states`, `deletion` and
/// the `effect` the rule returned.
pub(crate) const APPLY_STATES: &str = "
    applied as (
        select s.*, s.removed or s.deleted_at is not null as deletion, a.o_effect as effect
          from (
              select array_agg(o.id) as id, array_agg(o.email) as email,
                     array_agg(o.phone) as phone, array_agg(o.is_anonymous) as is_anonymous,
                     array_agg(o.user_metadata) as user_metadata,
                     array_agg(o.app_metadata) as app_metadata,
                     array_agg(o.email_confirmed_at) as email_confirmed_at,
                     array_agg(o.created_at) as created_at, array_agg(o.updated_at) as updated_at,
                     array_agg(o.deleted_at) as deleted_at, array_agg(o.removed) as removed
                from (select * from states order by n) as o
          ) as b
          cross join lateral auth_mirror.apply_states(b.id, b.email, b.phone, b.is_anonymous,
              b.user_metadata, b.app_metadata, b.email_confirmed_at, b.created_at, b.updated_at,
              b.deleted_at, b.removed) as a
          join states s on s.n = a.o_ordinal
    )";

/// The columns of a CTE `states` (see [`APPLY_STATES`]).
pub(crate) const STATE_COLUMNS: &str = "n, id, email, phone, is_anonymous, user_metadata, \
    app_metadata, email_confirmed_at, created_at, updated_at, deleted_at, removed";

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
pub(crate) const ORPHAN_DELETION: &str = "u.id, null::text, null::text, u.is_anonymous, \
    null::jsonb, null::jsonb, null::timestamptz, u.auth_created_at, \
    coalesce(u.auth_updated_at, now()), null::timestamptz, true";
