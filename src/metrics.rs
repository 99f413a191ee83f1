//! Prometheus metrics of one application instance (a registry each, so tests stay apart).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

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

/// The service's counters and the registry that exposes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub deliveries: Family<DeliveryLabels, Counter>,
    pub rejections: Family<RejectionLabels, Counter>,
    pub duplicates: Family<DuplicateLabels, Counter>,
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
        registry.register(
            "duplicates",
            "Deliveries of an already stored event, by source and by what the first delivery came to",
            duplicates.clone(),
        );
        Self {
            registry,
            deliveries,
            rejections,
            duplicates,
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
