//! The retry worker's settings: `RETRY_SCHEDULE`, `EVENT_RETENTION` and how often its
//! housekeeping runs.

use std::time::Duration;

use crate::domain::RetrySchedule;

/// What the worker does and how often.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub schedule: RetrySchedule,
    /// `applied` and `ignored` events older than this are deleted.
    pub retention: Duration,
    /// How often retention runs and the gauge is refreshed.
    pub housekeeping_every: Duration,
}

impl WorkerConfig {
    /// The product's defaults: `RETRY_SCHEDULE` and `EVENT_RETENTION` unset.
    pub fn with_schedule(schedule: RetrySchedule) -> Self {
        Self {
            schedule,
            retention: Duration::from_secs(30 * 24 * 3600),
            housekeeping_every: Duration::from_secs(60),
        }
    }
}
