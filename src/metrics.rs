//! Prometheus metrics of one application instance (a registry each, so tests stay apart).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Labels of a processed delivery.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub source: &'static str,
    pub outcome: &'static str,
}

/// Labels of a rejected request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectionLabels {
    pub reason: &'static str,
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
    /// Events tried again by the retry worker, by outcome.
    pub retries: Family<AttemptLabels, Counter>,
    /// Events replayed through the admin API, by outcome.
    pub replays: Family<AttemptLabels, Counter>,
    /// Events the retry worker gave up on.
    pub dead: Counter,
    /// Stored events by status, refreshed by the retry worker.
    pub events: Family<StatusLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("auth_mirror");
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        let rejections = Family::<RejectionLabels, Counter>::default();
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
        let retries = Family::<AttemptLabels, Counter>::default();
        let replays = Family::<AttemptLabels, Counter>::default();
        let dead = Counter::default();
        let events = Family::<StatusLabels, Gauge>::default();
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
        registry.register("events", "Stored events by status", events.clone());
        Self {
            registry,
            deliveries,
            rejections,
            retries,
            replays,
            dead,
            events,
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

    pub fn rejected(&self, reason: &'static str) {
        self.rejections
            .get_or_create(&RejectionLabels { reason })
            .inc();
    }
}
