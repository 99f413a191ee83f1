//! `RETRY_SCHEDULE`: when a failed event is tried again, with jitter, and when it is given
//! up as `dead`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;

/// The product's default schedule (Svix-like): six retries over about seven hours.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,30s,2m,10m,1h,6h";

/// Each delay is stretched or shrunk by up to this fraction, so that events that failed
/// together (a locked table, an outage) are not all retried at the same instant.
const JITTER: f64 = 0.2;

/// The delays before each retry. After the last one fails, the event is `dead`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

/// What to do with an event after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AfterFailure {
    /// Try again in this many seconds.
    RetryIn(f64),
    /// The schedule is used up: mark the event `dead`.
    Dead,
}

impl AfterFailure {
    /// Seconds until the next try; `None` when the event is dead.
    pub fn retry_in(self) -> Option<f64> {
        match self {
            Self::RetryIn(seconds) => Some(seconds),
            Self::Dead => None,
        }
    }
}

/// Why a schedule does not parse. The message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("RETRY_SCHEDULE must be comma-separated durations such as `5s,30s,2m,1h`: {0}")]
pub struct InvalidSchedule(String);

impl RetrySchedule {
    /// The plan after attempt number `attempts` failed (the delivery is attempt 1): retry
    /// after the `attempts`-th delay of the schedule, jittered, or give up.
    pub fn after_failure(&self, attempts: i32) -> AfterFailure {
        if self.is_exhausted(attempts) {
            return AfterFailure::Dead;
        }
        let index = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
        match self.0.get(index) {
            Some(delay) => {
                let factor = rand::thread_rng().gen_range(1.0 - JITTER..=1.0 + JITTER);
                AfterFailure::RetryIn(delay.as_secs_f64() * factor)
            }
            None => AfterFailure::Dead,
        }
    }

    /// Whether a failure of attempt number `attempts` makes the event `dead`.
    pub fn is_exhausted(&self, attempts: i32) -> bool {
        usize::try_from(attempts.max(1) - 1).unwrap_or(0) >= self.0.len()
    }

    /// The shortest delay: the worker looks for due events at least this often.
    pub fn shortest(&self) -> Duration {
        self.0
            .iter()
            .copied()
            .min()
            .unwrap_or(Duration::from_secs(1))
    }

    /// Number of retries before `dead`.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the schedule has no retries (never: parsing refuses it).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        DEFAULT_RETRY_SCHEDULE
            .parse()
            .expect("the default schedule parses")
    }
}

impl FromStr for RetrySchedule {
    type Err = InvalidSchedule;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let delays = text
            .split(',')
            .map(str::trim)
            .map(|item| {
                let delay = humantime::parse_duration(item)
                    .map_err(|_| InvalidSchedule(format!("`{item}` is not a duration")))?;
                if delay.is_zero() {
                    return Err(InvalidSchedule(format!("`{item}` is zero")));
                }
                Ok(delay)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(delays))
    }
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self
            .0
            .iter()
            .map(|delay| humantime::format_duration(*delay).to_string())
            .collect();
        formatter.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_six_retries() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.len(), 6);
        assert_eq!(schedule.shortest(), Duration::from_secs(5));
    }

    #[test]
    fn each_retry_waits_its_delay_within_twenty_percent() {
        let schedule: RetrySchedule = "10s,100s".parse().unwrap();
        for _ in 0..200 {
            let AfterFailure::RetryIn(first) = schedule.after_failure(1) else {
                panic!("retry expected")
            };
            let AfterFailure::RetryIn(second) = schedule.after_failure(2) else {
                panic!("retry expected")
            };
            assert!((8.0..=12.0).contains(&first), "{first}");
            assert!((80.0..=120.0).contains(&second), "{second}");
        }
    }

    #[test]
    fn the_attempt_after_the_last_delay_is_dead() {
        let schedule: RetrySchedule = "50ms,50ms".parse().unwrap();
        assert!(matches!(
            schedule.after_failure(2),
            AfterFailure::RetryIn(_)
        ));
        assert_eq!(schedule.after_failure(3), AfterFailure::Dead);
    }

    #[test]
    fn bad_schedules_are_refused_naming_the_variable() {
        for bad in ["", "5s,,1m", "soon", "0s", "5s,-1m"] {
            let error = bad.parse::<RetrySchedule>().unwrap_err().to_string();
            assert!(error.contains("RETRY_SCHEDULE"), "{bad:?}: {error}");
        }
    }
}
