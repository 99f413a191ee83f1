//! A generated scenario: a user's versions, the states built from them, and the arrivals of
//! their deliveries (see `generators` for how they are drawn and the scope they keep to).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// What one version of the user looks like (its live content).
#[derive(Debug, Clone)]
pub struct Content {
    /// Index into `EMAILS`; rendered per case so auth.users' unique indexes never clash.
    pub email: usize,
    pub phone: usize,
    pub is_anonymous: bool,
    pub user_metadata: Value,
    pub app_metadata: Value,
    pub email_confirmed: bool,
}

/// `None`, `""` (Supabase's "none"), or an address made unique per case.
pub const EMAILS: [Option<&str>; 4] = [None, Some(""), Some("ada"), Some("Ada.L")];
pub const PHONES: [Option<&str>; 3] = [None, Some(""), Some("1555123")];

/// The version a state carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    /// Version `n` of the timeline.
    At(usize),
    /// Supabase's `0001-01-01` placeholder.
    Placeholder,
    /// No `updated_at` at all.
    Missing,
}

/// How a delivery carries a metadata field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    Yes,
    /// The key is absent.
    Absent,
    /// The key is JSON null (a NULL column for the trigger).
    Null,
    /// `{}` with `invited_at` set: Supabase's invite hook (the other writers carry the value).
    InviteBlank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    No,
    /// `deleted_at` set this many microseconds before the version (equal-version deletions
    /// then differ in deletion time).
    Soft(i64),
    /// A hard delete of the live row of this version.
    Hard,
    /// A hard delete of the soft-deleted row.
    HardOfSoft(i64),
}

/// One state of the user.
#[derive(Debug, Clone)]
pub struct PlannedState {
    pub version: Versioned,
    /// Content of version `content` (for an unversioned state, any version's).
    pub content: usize,
    /// Microseconds from the timeline's start; `None`: the `0001-01-01` placeholder.
    pub created: Option<i64>,
    pub user_metadata: Carried,
    pub app_metadata: Carried,
    pub deletion: Deletion,
}

/// Who delivers a state to the mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// `after-user-created` on `POST /hooks/auth` (live states only).
    Hook,
    /// A database event on `POST /hooks/db`.
    DbEvent,
    /// A write to auth.users as `supabase_auth_admin`; the mirror trigger delivers it.
    Trigger,
}

/// One arrival of a delivery; copies of one delivery share `item` (and their bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub state: usize,
    pub writer: Writer,
    /// Which of the scenario's deliveries this is a copy of (copies share their bytes).
    pub item: usize,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub start: DateTime<Utc>,
    /// Microseconds from `start` of each version, increasing; version 0 is the creation.
    pub versions: Vec<i64>,
    pub contents: Vec<Content>,
    pub states: Vec<PlannedState>,
    /// Every copy of every delivery, in arrival order.
    pub arrivals: Vec<Arrival>,
    /// Extra nanoseconds on the hook's times (Supabase's JSON may carry them).
    pub hook_nanos: u32,
}

impl Scenario {
    pub fn time(&self, micros: i64) -> DateTime<Utc> {
        self.start + Duration::microseconds(micros)
    }
}
