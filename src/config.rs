//! The validated configuration the application is built from.

mod admin_token;
pub mod security;
mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::webhook::WebhookSecrets;

pub use admin_token::{AdminToken, WeakToken};
pub use security::{ClientAddressConfig, CookiePolicy, MetricsConfig, SecurityConfig};
pub use worker::WorkerConfig;

/// Everything `Application::build` needs besides the database pool.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where to listen; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// How long a graceful stop may take (`SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_timeout: Duration,
    pub webhook: WebhookConfig,
    /// `ADMIN_TOKEN`: the admin API's bearer token; `None` disables `/admin` entirely.
    pub admin_token: Option<AdminToken>,
    /// The retry worker: `RETRY_SCHEDULE`, `EVENT_RETENTION`.
    pub worker: WorkerConfig,
    pub delivery: DeliveryConfig,
    /// `SPOOL_DIR`, `SPOOL_MAX_BYTES`: where deliveries go when the database cannot take them
    /// within the deadline.
    pub spool: SpoolConfig,
    /// `MAX_CONNECTIONS`, `BODY_READ_TIMEOUT_MS`.
    pub http: HttpLimits,
    /// `METRICS_PORT`, `METRICS_ON_PUBLIC_PORT`.
    pub metrics: MetricsConfig,
    /// Trusted proxies, cookies, console sessions, throttling of failed admin tokens.
    pub security: SecurityConfig,
}

/// How a verified delivery is made durable.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// `DELIVERY_DEADLINE_MS`: the longest a delivery may take to be committed, from waiting
    /// for its batch to the commit (connection, lock waits and statement included). Well
    /// inside Supabase's 5 seconds for all attempts of a hook.
    pub deadline: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(DEFAULT_DELIVERY_DEADLINE_MS),
        }
    }
}

/// Default of `DELIVERY_DEADLINE_MS`: half of Supabase's 5 s, so an answer (even a `503`)
/// reaches Supabase in time for it to retry.
pub const DEFAULT_DELIVERY_DEADLINE_MS: u64 = 2_500;

/// How deliveries are authenticated and bounded.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub secrets: WebhookSecrets,
    /// How far `webhook-timestamp` may be from now, either way.
    pub tolerance: Duration,
    /// Largest accepted body, checked before any other work.
    pub max_body_bytes: usize,
}

/// Limits on connections and request bodies, against clients that are slow or numerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// `MAX_CONNECTIONS`: connections served at once, across all workers. Further
    /// connections wait in the kernel's accept queue until one closes.
    pub max_connections: usize,
    /// `BODY_READ_TIMEOUT_MS`: time a request body has to arrive in full once its headers
    /// are in (the header phase has actix's own 5 s timeout).
    pub body_read_timeout: Duration,
}

/// `MAX_CONNECTIONS`' default: far above what Supabase's deliveries need (each is one short
/// request, a handful at a time), and low enough that held-open connections cannot use up the
/// process's file descriptors or memory (actix's own default is 25,000 per worker).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// `BODY_READ_TIMEOUT_MS`' default: Supabase's whole budget for all attempts of a delivery.
/// A body still arriving after it belongs to a delivery Supabase has given up on.
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 5_000;

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            body_read_timeout: Duration::from_millis(DEFAULT_BODY_READ_TIMEOUT_MS),
        }
    }
}

/// The durable spool: where deliveries go when the database cannot take them in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    /// `SPOOL_DIR`: the segment files (on Fly, a volume).
    pub dir: PathBuf,
    /// `SPOOL_MAX_BYTES`: appends past this many bytes on disk are refused (`503`).
    pub max_bytes: u64,
    /// A segment takes no more records once it holds this many bytes.
    pub segment_bytes: u64,
}

impl SpoolConfig {
    /// `SPOOL_MAX_BYTES`'s default: 256 MiB, tens of thousands of deliveries.
    pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
    /// Segment size: small enough that a drained segment is soon deleted, large enough that
    /// few are created during an outage.
    pub const DEFAULT_SEGMENT_BYTES: u64 = 8 * 1024 * 1024;
    /// `SPOOL_DIR`'s default: this folder inside the data folder (`AUTH_MIRROR_DATA_DIR`).
    pub const DEFAULT_FOLDER: &'static str = "spool";

    /// `SPOOL_DIR` if set, else `spool/` inside the data folder.
    pub fn new(spool_dir: Option<&Path>, data_dir: &Path, max_bytes: u64) -> Self {
        Self {
            dir: spool_dir.map_or_else(|| data_dir.join(Self::DEFAULT_FOLDER), Path::to_path_buf),
            max_bytes,
            segment_bytes: Self::DEFAULT_SEGMENT_BYTES,
        }
    }
}

impl HttpLimits {
    /// actix counts connections per worker thread: the number of workers (at most
    /// `available_threads`, and never more than the cap so that each may hold one) and
    /// each one's share of `max_connections`, rounded down so the total never exceeds it.
    pub fn split_among_workers(&self, available_threads: usize) -> (usize, usize) {
        let cap = self.max_connections.max(1);
        let workers = available_threads.clamp(1, cap);
        (workers, cap / workers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_connections: usize) -> HttpLimits {
        HttpLimits {
            max_connections,
            ..HttpLimits::default()
        }
    }

    #[test]
    fn the_connection_cap_is_shared_by_the_workers_without_exceeding_it() {
        assert_eq!(limits(1024).split_among_workers(4), (4, 256));
        assert_eq!(limits(1025).split_among_workers(2), (2, 512));
        assert_eq!(limits(3).split_among_workers(2), (2, 1));
    }

    #[test]
    fn a_cap_below_the_thread_count_gets_one_connection_per_worker() {
        assert_eq!(limits(2).split_among_workers(8), (2, 1));
        assert_eq!(limits(1).split_among_workers(8), (1, 1));
    }
}
