//! The background worker of `serve`: retries failed events on `RETRY_SCHEDULE` (then marks
//! them `dead`) and, every `housekeeping_every`, runs `housekeeping` (retention, gauge). Work
//! is claimed in bounded batches with `FOR UPDATE SKIP LOCKED`, so several instances on one
//! database never apply the same event twice, and tried through the same SQL decision as a
//! delivery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::housekeeping::housekeeping;
use super::stored::{outcome_label, reapply};
use crate::config::WorkerConfig;
use crate::domain::RetrySchedule;
use crate::domain::{AppliedVia, EventStatus};
use crate::metrics::{AttemptLabels, Metrics};
use crate::shutdown::StopSignal;
use crate::store::claims;
use crate::store::ingest::Tried;

/// Events claimed per transaction.
const BATCH: i64 = 100;
/// The worker looks for due events at least this often.
const LONGEST_POLL: Duration = Duration::from_secs(1);
const SHORTEST_POLL: Duration = Duration::from_millis(10);
/// Pause after a failed round (the database is down), so the log is not flooded.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// The worker's loop, run as one of the composition root's background tasks; it returns
/// after the batch in hand once `stop` fires.
pub async fn run(pool: PgPool, config: WorkerConfig, metrics: Arc<Metrics>, mut stop: StopSignal) {
    let poll = config
        .schedule
        .shortest()
        .clamp(SHORTEST_POLL, LONGEST_POLL);
    let mut housekeeping_due = Instant::now();
    tracing::debug!(schedule = %config.schedule, "retry worker started");
    while !stop.is_stopped() {
        let round = async {
            let retried = retry_due(&pool, &config.schedule, &metrics).await;
            if Instant::now() >= housekeeping_due {
                housekeeping(&pool, &config, &metrics).await;
                housekeeping_due = Instant::now() + config.housekeeping_every;
            }
            retried
        };
        // Stopping interrupts a round: its transaction is rolled back and its claims are
        // released for another instance.
        let pause = tokio::select! {
            retried = round => match retried {
                // A full batch means more may be due: go on at once.
                Ok(count) if count as i64 == BATCH => continue,
                Ok(_) => poll,
                Err(error) => {
                    tracing::warn!(%error, "retry worker: cannot retry due events");
                    ERROR_PAUSE.max(poll)
                }
            },
            _ = stop.stopped() => break,
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.stopped() => break,
        }
    }
    tracing::debug!("retry worker stopped");
}

/// Retries one batch of due events in one transaction; how many were claimed. Counted in
/// the metrics once committed.
async fn retry_due(
    pool: &PgPool,
    schedule: &RetrySchedule,
    metrics: &Metrics,
) -> Result<usize, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let claimed = claims::claim_due(&mut transaction, BATCH).await?;
    let retried = reapply(&mut transaction, &claimed, AppliedVia::Retry, schedule).await?;
    transaction.commit().await?;
    let mut applied = 0;
    let mut dead = 0;
    for event in &retried {
        let label = outcome_label(event.tried);
        let gave_up = event.status == EventStatus::Dead;
        tracing::debug!(
            event_id = event.event_id,
            outcome = label.unwrap_or("expunged"),
            dead = gave_up,
            "event retried"
        );
        if let Some(outcome) = label {
            metrics
                .retries
                .get_or_create(&AttemptLabels { outcome })
                .inc();
        }
        applied += usize::from(event.tried == Tried::Applied);
        dead += u64::from(gave_up);
    }
    metrics.dead.inc_by(dead);
    if !claimed.is_empty() {
        tracing::info!(
            retried = claimed.len(),
            applied,
            dead,
            "retry worker: batch done"
        );
    }
    Ok(claimed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_worker_stops_promptly_even_while_the_database_is_unreachable() {
        let options = "postgres://nobody@127.0.0.1:1/x".parse().unwrap();
        let pool = crate::store::pool::connect_lazy(options);
        let config = WorkerConfig::with_schedule(RetrySchedule::default());
        let mut tasks = crate::shutdown::BackgroundTasks::default();
        tasks.spawn("retry", move |stop| {
            run(pool, config, Arc::new(Metrics::default()), stop)
        });
        tokio::time::sleep(Duration::from_millis(100)).await;

        let started = Instant::now();
        let aborted = tasks
            .stop(tokio::time::Instant::now() + Duration::from_secs(5))
            .await;

        assert!(aborted.is_empty(), "the worker had to be aborted");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
}
