//! The retry worker's periodic chores: `EVENT_RETENTION` (old `applied` and `ignored`
//! events deleted in small batches; `failed` and `dead` ones are kept, they are work still to
//! do), the events-by-status gauge and the unresolved trigger errors gauge.

use sqlx::PgPool;

use super::retry::WorkerConfig;
use crate::metrics::{Metrics, StatusLabels};
use crate::store::events::EventStatus;
use crate::store::{retention, stats};

/// Events deleted per retention statement (small: each holds row locks).
const RETENTION_BATCH: i64 = 500;
/// Retention batches per housekeeping round, so that a backlog cannot starve retries.
const RETENTION_ROUNDS: usize = 20;

/// Retention, then the events gauge. Failures are logged and tried again next round.
pub(super) async fn housekeeping(pool: &PgPool, config: &WorkerConfig, metrics: &Metrics) {
    let mut deleted = 0;
    for _ in 0..RETENTION_ROUNDS {
        match retention::delete_batch(pool, config.retention, RETENTION_BATCH).await {
            Ok(count) => {
                deleted += count;
                if (count as i64) < RETENTION_BATCH {
                    break;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "retention: cannot delete old events");
                break;
            }
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, "retention: deleted old applied and ignored events");
    }
    match stats::events_by_source_and_status(pool).await {
        Ok(rows) => {
            for status in EventStatus::ALL.map(EventStatus::as_str) {
                let count: i64 = rows
                    .iter()
                    .filter(|(_, row_status, _)| row_status == status)
                    .map(|(_, _, count)| count)
                    .sum();
                metrics
                    .events
                    .get_or_create(&StatusLabels {
                        status: status.to_owned(),
                    })
                    .set(count);
            }
        }
        Err(error) => tracing::warn!(%error, "cannot count events for the gauge"),
    }
    match stats::unresolved_trigger_errors(pool).await {
        Ok(count) => {
            metrics.trigger_errors_unresolved.set(count);
        }
        Err(error) => tracing::warn!(%error, "cannot count trigger errors for the gauge"),
    }
}
