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
}

/// How deliveries are authenticated and bounded.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub secrets: WebhookSecrets,
    /// How far `webhook-timestamp` may be from now, either way.
    pub tolerance: Duration,
    /// Largest accepted body, checked before any other work.
    pub max_body_bytes: usize,
}
