//! The JSON documents of the admin API (answered by the service, read by `auth-mirror
//! events`). None carries a payload unless asked for with `?payload=true`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RawFilter;
use crate::domain::{EventSummary, TriggerError, TriggerErrorStats};

/// One stored event in full: `GET /admin/events/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    /// The delivery's `webhook-id` (Supabase renews it on each of its retries).
    pub webhook_id: String,
    /// The delivery's signed `webhook-timestamp`.
    pub signed_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The payload was removed (`DELETE /admin/events/{id}/payload`); it cannot be replayed.
    pub payload_expunged: bool,
    /// The raw body as JSON (a string when it is not JSON); only with `?payload=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventPage {
    pub items: Vec<EventSummary>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// What replaying one event came to.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReplayResult {
    pub id: i64,
    /// `applied`, `still_failing`, `ignored` (it parses now into an event that is only
    /// recorded), or `already_done` (it was applied or ignored before: nothing was done).
    pub outcome: String,
    /// The event's status afterwards.
    pub status: String,
    pub effect: Option<String>,
    pub last_error: Option<String>,
    pub attempts: i32,
}

/// `POST /admin/events/replay`: the filters of `GET /admin/events` (only failed and dead
/// events are replayed: without `status` both), plus what to do.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkReplayRequest {
    #[serde(flatten)]
    pub filter: RawFilter,
    /// Count what would be replayed; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Replay at most this many events (default 1000, at most 100000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after the `next_cursor` of a previous call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Fields this endpoint does not know: refused, so that a misspelt filter never widens
    /// a replay to every event.
    #[serde(flatten, skip_serializing)]
    #[schema(ignore)]
    pub unknown: BTreeMap<String, serde_json::Value>,
}

/// What a bulk replay did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BulkReplaySummary {
    pub dry_run: bool,
    /// Failed or dead events matching the filters (after the cursor), before replaying.
    pub matched: i64,
    /// Events replayed by this call: `applied + still_failing + ignored`.
    pub replayed: i64,
    pub applied: i64,
    pub still_failing: i64,
    /// Replayed events that parse now into events that are only recorded.
    pub ignored: i64,
    /// Matched events whose payload was expunged: they cannot be replayed.
    pub expunged: i64,
    /// Matched events not replayed here: taken by a concurrent replay or the retry worker,
    /// or beyond `limit`.
    pub skipped: i64,
    /// Present when `limit` stopped the walk: pass it as `cursor` to go on.
    pub next_cursor: Option<String>,
}

/// `DELETE /admin/events/{id}/payload`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Expunged {
    pub id: i64,
    pub status: String,
    pub payload_expunged: bool,
}

/// `GET /admin/stats`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stats {
    /// Events per status (every status present, zero included).
    pub by_status: BTreeMap<String, i64>,
    /// Events per source, then per status.
    pub by_source: BTreeMap<String, BTreeMap<String, i64>>,
    /// Receipt time of the oldest `failed` event.
    pub oldest_failed_at: Option<DateTime<Utc>>,
    /// Receipt time of the oldest `dead` event.
    pub oldest_dead_at: Option<DateTime<Utc>>,
    pub trigger_errors: TriggerErrorStats,
}

/// A page of trigger errors, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TriggerErrorPage {
    pub items: Vec<TriggerError>,
    pub next_cursor: Option<String>,
}
