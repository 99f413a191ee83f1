//! What the admin API shows of the stored events, in the words the store reads them in:
//! which events a call is about (`EventFilter`), one event without its payload
//! (`EventSummary`), and what the `auth.users` trigger failed to mirror.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{EventStatus, Source};

/// Parsed filters; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub status: Option<EventStatus>,
    pub source: Option<Source>,
    pub kind: Option<String>,
    pub user_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// One stored event, without its payload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventSummary {
    pub id: i64,
    /// `auth_hook` or `db_webhook`.
    pub source: String,
    /// Hook name, `INSERT`/`UPDATE`/`DELETE`, or `unparsed`.
    pub kind: String,
    /// `applied`, `failed`, `dead` or `ignored`.
    pub status: String,
    pub user_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    /// Tries so far, the delivery included.
    pub attempts: i32,
    /// SQLSTATE and constraint, or the parse failure; never personal data.
    pub last_error: Option<String>,
    /// `delivery`, `retry` or `replay`: the try that applied it.
    pub applied_via: Option<String>,
    /// What the apply did to the mirror row: `inserted`, `updated`, `stale`...
    pub effect: Option<String>,
    /// When the retry worker tries a failed event again.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What the `auth.users` trigger failed to mirror.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TriggerErrorStats {
    pub total: i64,
    pub last_24h: i64,
    pub latest_at: Option<DateTime<Utc>>,
}

/// One row of `auth_mirror.trigger_errors`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TriggerError {
    pub id: i64,
    pub user_id: Option<Uuid>,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub operation: String,
    pub sqlstate: String,
    pub occurred_at: DateTime<Utc>,
}
