//! The convergence rule (design §3, migrations/0004 and 0007) written a second time, as a
//! pure function over the set of states a user's deliveries carried: the oracle of the
//! property test. It says WHAT the row must be, declaratively; it does not replay the states
//! in any order, so it shares nothing with the SQL it checks.
//!
//! The rule's documented limits are outside the generated scenarios rather than modelled
//! (see `generators`): states of the SAME version carry the same live content, and a
//! delivery without metadata ("not carried") only comes at the creation version.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::MirrorRow;

/// One user state as a writer delivered it to the mirror.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    /// `None`: the delivery did not carry it (absent, JSON null, or the invite hook's blank).
    pub user_metadata: Option<Value>,
    pub app_metadata: Option<Value>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    /// The version; `None` or a placeholder before year 1000 is no version.
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// A hard delete (the old row of a DELETE).
    pub removed: bool,
}

impl ModelState {
    fn version(&self) -> Option<DateTime<Utc>> {
        self.updated_at.filter(|time| is_real(*time))
    }

    fn is_deletion(&self) -> bool {
        self.removed || self.deleted_at.is_some()
    }

    /// When the user was deleted: its `deleted_at`, or for a hard delete of a live row the
    /// version of that row.
    fn deletion_time(&self) -> Option<DateTime<Utc>> {
        self.deleted_at.or(self.version())
    }
}

/// Supabase writes 0001-01-01 where a time is not known; anything before year 1000 is that.
fn is_real(time: DateTime<Utc>) -> bool {
    time >= Utc.with_ymd_and_hms(1000, 1, 1, 0, 0, 0).unwrap()
}

/// `""` means none.
fn text(value: &Option<String>) -> Option<String> {
    value.clone().filter(|text| !text.is_empty())
}

/// The mirror row user `id` must end with, whatever the order the states arrived in.
pub fn expected_row(id: Uuid, delivered: &[ModelState]) -> Option<MirrorRow> {
    // Unversioned states never write, and count for nothing.
    let versioned: Vec<&ModelState> = delivered.iter().filter(|s| s.version().is_some()).collect();
    if versioned.is_empty() {
        return None;
    }
    // The earliest real creation time any versioned state carried.
    let auth_created_at = versioned
        .iter()
        .filter_map(|state| state.created_at.filter(|time| is_real(*time)))
        .min();

    // Deletion is final: the newest deletion wins over every live state, whatever their
    // versions; between deletions of one version, the earliest deletion time.
    let deletion = versioned
        .iter()
        .filter(|state| state.is_deletion())
        .max_by_key(|state| (state.version(), std::cmp::Reverse(state.deletion_time())));
    if let Some(winner) = deletion {
        return Some(MirrorRow {
            id,
            email: None,
            phone: None,
            is_anonymous: winner.is_anonymous,
            user_metadata: None,
            app_metadata: None,
            email_confirmed_at: None,
            auth_created_at,
            auth_updated_at: winner.version(),
            deleted_at: winner.deletion_time(),
        });
    }

    // Otherwise the newest version wins; metadata a state did not carry is the newest
    // metadata that was carried.
    let newest = versioned
        .iter()
        .map(|state| state.version())
        .max()
        .flatten();
    let winner = versioned
        .iter()
        .find(|state| state.version() == newest)
        .expect("a newest state");
    let carried = |field: fn(&ModelState) -> &Option<Value>| {
        versioned
            .iter()
            .filter(|state| field(state).is_some())
            .max_by_key(|state| state.version())
            .and_then(|state| field(state).clone())
    };
    Some(MirrorRow {
        id,
        email: text(&winner.email),
        phone: text(&winner.phone),
        is_anonymous: winner.is_anonymous,
        user_metadata: carried(|state| &state.user_metadata),
        app_metadata: carried(|state| &state.app_metadata),
        email_confirmed_at: winner.email_confirmed_at,
        auth_created_at,
        auth_updated_at: newest,
        deleted_at: None,
    })
}
