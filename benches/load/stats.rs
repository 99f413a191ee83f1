//! What one run measured: latency histograms, answers by status, acknowledged deliveries by
//! kind. Each connection keeps its own and they are merged at the end (no shared counters on
//! the hot path).

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::deliveries::Kind;

/// Latencies are recorded in microseconds, up to a minute, with 3 significant digits.
const MAX_MICROS: u64 = 60_000_000;

#[derive(Debug, Clone)]
pub struct Stats {
    /// From the intended send time (the schedule's, at a fixed rate) to the full answer:
    /// what a sender waiting in line would see (no coordinated omission).
    pub latency: Histogram<u64>,
    /// From the actual send to the full answer: the service's own time.
    pub service: Histogram<u64>,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection refused or reset, timeouts).
    pub no_answer: u64,
    /// 2xx answers by kind of delivery.
    pub acknowledged: [u64; 3],
}

impl Default for Stats {
    fn default() -> Self {
        let histogram = || Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid bounds");
        Self {
            latency: histogram(),
            service: histogram(),
            statuses: BTreeMap::new(),
            no_answer: 0,
            acknowledged: [0; 3],
        }
    }
}

impl Stats {
    pub fn record(&mut self, status: u16, kind: Kind, latency: Duration, service: Duration) {
        self.latency.saturating_record(micros(latency));
        self.service.saturating_record(micros(service));
        *self.statuses.entry(status).or_default() += 1;
        if (200..300).contains(&status) {
            self.acknowledged[kind.index()] += 1;
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        self.latency.add(&other.latency).expect("same bounds");
        self.service.add(&other.service).expect("same bounds");
        for (status, count) in &other.statuses {
            *self.statuses.entry(*status).or_default() += count;
        }
        self.no_answer += other.no_answer;
        for (total, count) in self.acknowledged.iter_mut().zip(other.acknowledged) {
            *total += count;
        }
    }

    /// Deliveries answered with a 2xx.
    pub fn ok(&self) -> u64 {
        self.acknowledged.iter().sum()
    }

    /// Answers that were not 2xx, plus requests without an answer.
    pub fn errors(&self) -> u64 {
        self.latency.len() - self.ok() + self.no_answer
    }
}

fn micros(duration: Duration) -> u64 {
    (duration.as_micros() as u64).clamp(1, MAX_MICROS)
}
