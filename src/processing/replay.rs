//! Replay through the admin API: one event, or every failed and dead event matching a
//! filter, in bounded batches. An event that is applied (or ignored) already is left as it
//! is: replaying it is a harmless no-op.

use sqlx::PgPool;

use super::stored::{outcome_label, reapply};
use crate::admin::types::{BulkReplaySummary, ReplayResult};
use crate::admin::Cursor;
use crate::domain::{AppliedVia, EventFilter, RetrySchedule};
use crate::metrics::{AttemptLabels, Metrics};
use crate::store::admin_events;
use crate::store::claims;
use crate::store::ingest::Tried;

/// Events claimed per transaction by a bulk replay.
const BATCH: i64 = 100;

/// Why one event was not replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no such event")]
    NotFound,
    #[error("the event's payload was expunged")]
    Expunged,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Replays event `id`, waiting for any instance that holds it.
pub async fn replay_one(
    pool: &PgPool,
    id: i64,
    schedule: &RetrySchedule,
    metrics: &Metrics,
) -> Result<ReplayResult, ReplayError> {
    let mut transaction = pool.begin().await?;
    let event = claims::lock_one(&mut transaction, id)
        .await?
        .ok_or(ReplayError::NotFound)?;
    let outcome = if matches!(event.status.as_str(), "applied" | "ignored") {
        "already_done"
    } else {
        let replayed = reapply(&mut transaction, &[event], AppliedVia::Replay, schedule).await?;
        replayed
            .first()
            .and_then(|replayed| outcome_label(replayed.tried))
            .ok_or(ReplayError::Expunged)?
    };
    let summary = admin_events::summary(&mut transaction, id).await?;
    transaction.commit().await?;
    if outcome != "already_done" {
        count(metrics, outcome, 1);
    }
    Ok(ReplayResult {
        id,
        outcome: outcome.to_owned(),
        status: summary.status,
        effect: summary.effect,
        last_error: summary.last_error,
        attempts: summary.attempts,
    })
}

/// Replays up to `limit` failed or dead events matching `filter` after `cursor`, oldest
/// first, one transaction per batch; events that another replay or the retry worker holds
/// are skipped (they are being applied there).
pub async fn replay_bulk(
    pool: &PgPool,
    filter: &EventFilter,
    cursor: Option<Cursor>,
    limit: i64,
    schedule: &RetrySchedule,
    metrics: &Metrics,
) -> Result<BulkReplaySummary, sqlx::Error> {
    let mut after = cursor.map_or(0, Cursor::id);
    let (matched, expunged) = admin_events::count_replayable(pool, filter, after).await?;
    let mut summary = BulkReplaySummary {
        matched,
        expunged,
        ..BulkReplaySummary::default()
    };
    while summary.replayed < limit {
        let mut transaction = pool.begin().await?;
        let batch = BATCH.min(limit - summary.replayed);
        let claimed = claims::claim_replayable(&mut transaction, filter, after, batch).await?;
        after = claimed.last().map_or(after, |event| event.id);
        let mut done = BulkReplaySummary::default();
        for replayed in reapply(&mut transaction, &claimed, AppliedVia::Replay, schedule).await? {
            match replayed.tried {
                Tried::Applied => done.applied += 1,
                Tried::Ignored => done.ignored += 1,
                Tried::StillFailing => done.still_failing += 1,
                Tried::Expunged => continue,
            }
            done.replayed += 1;
        }
        transaction.commit().await?;
        count(metrics, "applied", done.applied);
        count(metrics, "ignored", done.ignored);
        count(metrics, "still_failing", done.still_failing);
        summary.replayed += done.replayed;
        summary.applied += done.applied;
        summary.ignored += done.ignored;
        summary.still_failing += done.still_failing;
        if (claimed.len() as i64) < batch {
            break;
        }
    }
    if summary.replayed == limit {
        summary.next_cursor = Some(Cursor::ReplayAfter(after).encode());
    }
    summary.skipped = (matched - summary.replayed - expunged).max(0);
    Ok(summary)
}

/// Counts what `replay_bulk` would replay, changing nothing.
pub async fn dry_run(
    pool: &PgPool,
    filter: &EventFilter,
    cursor: Option<Cursor>,
) -> Result<BulkReplaySummary, sqlx::Error> {
    let after = cursor.map_or(0, Cursor::id);
    let (matched, expunged) = admin_events::count_replayable(pool, filter, after).await?;
    Ok(BulkReplaySummary {
        dry_run: true,
        matched,
        expunged,
        ..BulkReplaySummary::default()
    })
}

/// Counts committed replays.
fn count(metrics: &Metrics, outcome: &'static str, replays: i64) {
    if replays > 0 {
        let labels = AttemptLabels { outcome };
        metrics
            .replays
            .get_or_create(&labels)
            .inc_by(replays as u64);
    }
}
