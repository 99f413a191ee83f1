//! The spool's metrics: its depth, what went in and out, and damage found on disk.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Labels of a damaged record: `corrupt` or `truncated`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DamageLabels {
    pub kind: &'static str,
}

/// Handles on the spool's metrics; clones update the same series.
#[derive(Debug, Clone, Default)]
pub struct SpoolMetrics {
    /// Intact records in the spool, not yet drained.
    pub records: Gauge,
    /// Bytes of the spool's segment files.
    pub bytes: Gauge,
    /// `SPOOL_MAX_BYTES`: past it, deliveries the database cannot take are refused.
    pub max_bytes: Gauge,
    /// Deliveries appended (durable on disk).
    pub appended: Counter,
    /// Records moved into the event store by the drainer.
    pub drained: Counter,
    /// Records skipped by the drainer because they are damaged.
    pub damaged: Family<DamageLabels, Counter>,
    /// Records the database refused for good, moved into the quarantine.
    pub quarantined: Counter,
}

impl SpoolMetrics {
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "spool_records",
            "Deliveries in the spool, waiting for the database",
            self.records.clone(),
        );
        registry.register(
            "spool_bytes",
            "Bytes of the spool's segment files",
            self.bytes.clone(),
        );
        registry.register(
            "spool_max_bytes",
            "SPOOL_MAX_BYTES: past this size on disk the spool refuses deliveries (503)",
            self.max_bytes.clone(),
        );
        registry.register(
            "spool_appended",
            "Deliveries written to the spool (durable before they were answered)",
            self.appended.clone(),
        );
        registry.register(
            "spool_drained",
            "Spooled deliveries moved into the event store",
            self.drained.clone(),
        );
        registry.register(
            "spool_damaged_records",
            "Spooled records skipped as damaged, by kind (corrupt, truncated)",
            self.damaged.clone(),
        );
        registry.register(
            "spool_quarantined",
            "Spooled records the database refused for good, kept in the quarantine (GET /admin/spool/quarantine)",
            self.quarantined.clone(),
        );
    }
}
