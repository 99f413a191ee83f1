//! The database connection pool's gauges, read from the pool at each scrape.
//!
//! sqlx does not say how many tasks wait for a connection; `deliveries_in_flight` above
//! `db_pool_max_connections` means deliveries are queueing for one.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use sqlx::PgPool;

/// Reads size, idle and in-use connections of one pool.
#[derive(Debug)]
pub(super) struct PoolCollector {
    pool: PgPool,
}

impl PoolCollector {
    pub(super) fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let size = i64::from(self.pool.size());
        // `num_idle` and `size` are read one after the other: never report a negative.
        let idle = (self.pool.num_idle() as i64).min(size);
        let max = i64::from(self.pool.options().get_max_connections());
        let gauges = [
            ("db_pool_connections", "Open connections in the pool", size),
            ("db_pool_idle", "Open connections not in use", idle),
            ("db_pool_in_use", "Connections checked out now", size - idle),
            (
                "db_pool_max_connections",
                "Most connections the pool opens",
                max,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}
