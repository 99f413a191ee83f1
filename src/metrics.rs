//! Prometheus metrics of one application instance (a registry each, so tests stay apart).
//! Labels are fixed vocabularies (sources, outcomes, reasons, route patterns): never a user,
//! an email, a path with an id, or anything else from a request.

mod http;
mod pool;
mod spool;

use std::future::Future;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub use http::{method_label, AdminAuthLabels, RequestLabels, OTHER_METHOD, UNMATCHED_ROUTE};
pub use spool::{DamageLabels, SpoolMetrics};

/// A family of latency histograms (seconds).
pub type Latencies<L> = Family<L, Histogram, fn() -> Histogram>;

/// Labels of a processed delivery.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub source: &'static str,
    pub outcome: &'static str,
}

/// Labels of a delivery of an already stored event: what the first delivery came to.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DuplicateLabels {
    pub source: &'static str,
    pub first_outcome: &'static str,
}

/// Labels of a rejected request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectionLabels {
    pub reason: &'static str,
}

/// Labels of the apply latency: which endpoint's events.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    pub source: &'static str,
}

/// Labels of a retried or replayed event: `applied`, `still_failing` or `ignored`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AttemptLabels {
    pub outcome: &'static str,
}

/// Labels of the events gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: String,
}

/// The service's counters and the registry that exposes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub deliveries: Family<DeliveryLabels, Counter>,
    pub rejections: Family<RejectionLabels, Counter>,
    /// Time from handing one delivery to group commit until its batch has committed.
    pub apply_seconds: Latencies<SourceLabels>,
    /// Time from a request's arrival to its response, as the service sees it.
    pub request_seconds: Latencies<RequestLabels>,
    /// Deliveries being stored right now: queued for, or in, a group-commit batch.
    pub deliveries_in_flight: Gauge,
    /// Events tried again by the retry worker, by outcome.
    pub retries: Family<AttemptLabels, Counter>,
    /// Events replayed through the admin API, by outcome.
    pub replays: Family<AttemptLabels, Counter>,
    /// Events the retry worker gave up on.
    pub dead: Counter,
    /// Stored `failed` and `dead` events, counted by the retry worker's housekeeping.
    pub events: Family<StatusLabels, Gauge>,
    /// Trigger errors the reconciler has not resolved yet, refreshed by the retry worker.
    pub trigger_errors_unresolved: Gauge,
    /// The last `/readyz` answer: 1 ready, 0 not; absent until `/readyz` is first asked
    /// (Fly's health check asks every 15 s), so that no check does not read as "not ready".
    pub ready: Family<(), Gauge>,
    /// Stored `applied` and `ignored` events, estimated from the planner's statistics (a
    /// count would read the whole table); absent until the table has been analyzed.
    pub events_estimated: Family<StatusLabels, Gauge>,
    pub duplicates: Family<DuplicateLabels, Counter>,
    /// Deliveries stored per group-commit transaction.
    pub batch_deliveries: Histogram,
    /// The durable spool: depth, appended, drained, damaged.
    pub spool: SpoolMetrics,
    /// Admin credentials refused, by where they were presented and why.
    pub admin_auth_refusals: Family<AdminAuthLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("auth_mirror");
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        let rejections = Family::<RejectionLabels, Counter>::default();
        let duplicates = Family::<DuplicateLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Verified deliveries, by source and outcome",
            deliveries.clone(),
        );
        registry.register(
            "rejections",
            "Requests rejected before processing, by reason",
            rejections.clone(),
        );
        let apply_seconds = Latencies::<SourceLabels>::new_with_constructor(latency_histogram);
        let request_seconds = Latencies::<RequestLabels>::new_with_constructor(latency_histogram);
        let deliveries_in_flight = Gauge::default();
        registry.register(
            "apply_duration_seconds",
            "Time to store and apply one delivery (until its batch has committed), by source",
            apply_seconds.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response, by route pattern, method and status",
            request_seconds.clone(),
        );
        registry.register(
            "deliveries_in_flight",
            "Deliveries being stored now (queued for, or in, a group-commit batch)",
            deliveries_in_flight.clone(),
        );
        let retries = Family::<AttemptLabels, Counter>::default();
        let replays = Family::<AttemptLabels, Counter>::default();
        let dead = Counter::default();
        let events = Family::<StatusLabels, Gauge>::default();
        let events_estimated = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "retries",
            "Failed events tried again by the retry worker, by outcome",
            retries.clone(),
        );
        registry.register(
            "replays",
            "Events replayed through the admin API, by outcome",
            replays.clone(),
        );
        registry.register(
            "dead_events",
            "Events given up as dead after the retry schedule",
            dead.clone(),
        );
        registry.register(
            "events",
            "Stored failed and dead events, counted",
            events.clone(),
        );
        registry.register(
            "events_estimated",
            "Stored applied and ignored events, estimated from the table's statistics",
            events_estimated.clone(),
        );
        let trigger_errors_unresolved = Gauge::default();
        registry.register(
            "trigger_errors_unresolved",
            "Rows the auth.users trigger could not mirror and no reconcile has resolved yet",
            trigger_errors_unresolved.clone(),
        );
        let ready = Family::<(), Gauge>::default();
        registry.register(
            "ready",
            "The last /readyz answer: 1 ready, 0 not (deliveries can be made durable or not)",
            ready.clone(),
        );
        registry.register(
            "duplicates",
            "Deliveries of an already stored event, by source and by what the first delivery came to",
            duplicates.clone(),
        );
        let batch_deliveries = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "batch_deliveries",
            "Deliveries stored and applied together in one group-commit transaction",
            batch_deliveries.clone(),
        );
        let spool = SpoolMetrics::default();
        spool.register(&mut registry);
        let admin_auth_refusals = Family::<AdminAuthLabels, Counter>::default();
        registry.register(
            "admin_auth_refusals",
            "Admin tokens refused (bearer or console sign-in), as wrong or throttled",
            admin_auth_refusals.clone(),
        );
        Self {
            registry,
            batch_deliveries,
            deliveries,
            rejections,
            apply_seconds,
            request_seconds,
            deliveries_in_flight,
            retries,
            replays,
            dead,
            events,
            trigger_errors_unresolved,
            ready,
            events_estimated,
            duplicates,
            spool,
            admin_auth_refusals,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Adds the connection pool's gauges (size, idle, in use, maximum), read at each scrape.
    pub fn observe_pool(&mut self, pool: sqlx::PgPool) {
        self.registry
            .register_collector(Box::new(pool::PoolCollector::new(pool)));
    }

    /// Records one answered HTTP request.
    pub fn request_answered(&self, labels: RequestLabels, elapsed: Duration) {
        self.request_seconds
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Runs `work`, the store-and-apply step of one delivery from `source`: counts it in
    /// flight (until it ends or is dropped mid-request) and times it.
    pub async fn apply_timed<T>(&self, source: &'static str, work: impl Future<Output = T>) -> T {
        let started = Instant::now();
        self.deliveries_in_flight.inc();
        let _leaves = InFlight(&self.deliveries_in_flight);
        let result = work.await;
        self.apply_seconds
            .get_or_create(&SourceLabels { source })
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// Counts one admin token refused `via` the bearer check or the sign-in form.
    pub fn admin_auth_refused(&self, via: &'static str, reason: &'static str) {
        self.admin_auth_refusals
            .get_or_create(&AdminAuthLabels { via, reason })
            .inc();
    }

    /// Records what `/readyz` answered.
    pub fn readiness_answered(&self, ready: bool) {
        self.ready.get_or_create(&()).set(i64::from(ready));
    }

    pub fn rejected(&self, reason: &'static str) {
        self.rejections
            .get_or_create(&RejectionLabels { reason })
            .inc();
    }
}

/// A delivery in flight: leaves `deliveries_in_flight` when dropped.
struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// 1 ms to about 16 s, doubling: Supabase's 5 s budget falls well inside.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

#[cfg(test)]
mod tests {
    use std::task::{Context, Poll};

    use futures_util::task::noop_waker_ref;
    use futures_util::FutureExt as _;

    use super::*;

    #[test]
    fn a_delivery_counts_in_flight_until_it_ends_or_is_dropped() {
        let metrics = Metrics::default();
        let mut context = Context::from_waker(noop_waker_ref());
        let mut stuck = Box::pin(metrics.apply_timed("auth_hook", std::future::pending::<()>()));

        assert_eq!(stuck.poll_unpin(&mut context), Poll::Pending);
        assert_eq!(metrics.deliveries_in_flight.get(), 1);
        drop(stuck);
        assert_eq!(metrics.deliveries_in_flight.get(), 0);

        let mut done = Box::pin(metrics.apply_timed("db_webhook", async { 7 }));
        assert_eq!(done.poll_unpin(&mut context), Poll::Ready(7));
        assert_eq!(metrics.deliveries_in_flight.get(), 0);
        let text = metrics.render();
        assert!(
            text.contains("auth_mirror_apply_duration_seconds_count{source=\"db_webhook\"} 1\n"),
            "{text}"
        );
    }
}
