//! The validated configuration the application is built from.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use crate::processing::retry::WorkerConfig;
use crate::webhook::WebhookSecrets;

/// Everything `Application::build` needs besides the database pool.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where to listen; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// How long a graceful stop may take (`SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_timeout: Duration,
    pub webhook: WebhookConfig,
    /// `ADMIN_TOKEN`: the admin API's bearer token; `None` disables `/admin` entirely.
    pub admin_token: Option<SecretString>,
    /// The retry worker: `RETRY_SCHEDULE`, `EVENT_RETENTION`.
    pub worker: WorkerConfig,
    pub delivery: DeliveryConfig,
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
