//! The retry worker's periodic chores: `EVENT_RETENTION` (old `applied` and `ignored`
//! events deleted in small batches; `failed` and `dead` ones are kept, they are work still to
//! do), the events-by-status gauges (`failed` and `dead` counted, `applied` and `ignored`
//! estimated: neither reads the whole table) and the unresolved trigger errors gauge.

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use sqlx::PgPool;

use crate::config::WorkerConfig;
use crate::domain::EventStatus;
use crate::metrics::{Metrics, StatusLabels};
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
    match stats::gauge_counts(pool).await {
        Ok(gauge) => {
            show(&metrics.events, &gauge.counted);
            if let Some(estimated) = &gauge.estimated {
                show(&metrics.events_estimated, estimated);
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

fn show(gauge: &Family<StatusLabels, Gauge>, counts: &[(EventStatus, i64)]) {
    for (status, count) in counts {
        gauge
            .get_or_create(&StatusLabels {
                status: status.as_str().to_owned(),
            })
            .set(*count);
    }
}
