//! The JSON documents of `POST /admin/reconcile` and `GET /admin/reconcile`: what to run,
//! and a run's progress and outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /admin/reconcile`'s body (optional: an empty body takes the defaults).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    /// Count what would change, write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Users per SQL statement, 1 to 100000 (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<i64>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Succeeded,
    Failed,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunError {
    /// `database_error`, `permission_denied` (the role cannot read `auth.users` or write the
    /// mirror), `auth_users_missing` or `interrupted` (the service shut down).
    pub code: String,
    /// What failed; never personal data.
    pub message: String,
}

/// One database reconcile started over the admin API: its progress while it runs, its
/// totals once it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReconcileRun {
    pub id: Uuid,
    pub state: RunState,
    pub dry_run: bool,
    pub batch_size: i64,
    /// `trigger_errors`, `users` or `tombstones` while running; absent before the first
    /// batch.
    pub phase: Option<String>,
    /// Users of `auth.users` read so far.
    pub users_read: i64,
    /// Users `auth.users` holds, once counted.
    pub users_total: Option<i64>,
    /// Mirror rows created, updated, found unchanged and tombstoned so far (in a dry run:
    /// that would be).
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub tombstoned: i64,
    /// Auth users without `updated_at`, which the rule cannot version and skips.
    pub skipped: i64,
    /// Rows of `auth_mirror.trigger_errors` resolved (in a dry run: that would be).
    pub trigger_errors_resolved: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Present when `state` is `failed`.
    pub error: Option<RunError>,
}
