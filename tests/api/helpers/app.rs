//! The real application on a free port (`TestApp`) and the requests a test sends to it.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use auth_mirror::config::{
    AdminToken, AppConfig, DeliveryConfig, HttpLimits, MetricsConfig, SecurityConfig, SpoolConfig,
    WebhookConfig, WorkerConfig,
};
use auth_mirror::startup::Application;
use auth_mirror::webhook::WebhookSecrets;
use secrecy::SecretString;

use super::{Setup, TestDatabase};

/// The running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    /// The metrics listener's base URL (`METRICS_PORT`).
    pub metrics_address: String,
    pub database: TestDatabase,
    pub secrets: String,
    pub client: reqwest::Client,
    /// The configuration the app was built with, to start another instance on the same
    /// database.
    config: AppConfig,
    /// `SPOOL_DIR`, removed after the app.
    pub spool_dir: std::sync::Arc<tempfile::TempDir>,
}

/// The admin API and retry worker settings of a test app.
#[derive(Debug, Clone)]
pub struct AdminSetup {
    /// `ADMIN_TOKEN`; `None` disables the admin API.
    pub token: Option<&'static str>,
    /// `RETRY_SCHEDULE`.
    pub schedule: &'static str,
    /// `EVENT_RETENTION`.
    pub retention: Duration,
    /// How often the worker runs retention.
    pub housekeeping_every: Duration,
}

/// The admin token of `AdminSetup::default()`: as strong as `serve` demands.
pub const ADMIN_TOKEN: &str = "test-admin-token-3f9a-b27c41e8d05a96f3";

impl Default for AdminSetup {
    /// Admin enabled; a schedule long enough that the worker stays out of a test's way.
    fn default() -> Self {
        Self {
            token: Some(ADMIN_TOKEN),
            schedule: "1h",
            retention: Duration::from_secs(30 * 24 * 3600),
            housekeeping_every: Duration::from_secs(60),
        }
    }
}

/// `WEBHOOK_TOLERANCE_SECONDS` of every test app (the product's default).
pub const TOLERANCE_SECONDS: u64 = 300;

/// `MAX_BODY_BYTES` of every test app (the product's default, 1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Starts the app on a fresh Supabase-shaped, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Setup::default()).await
}

pub async fn spawn_app_with(setup: Setup) -> TestApp {
    spawn_app_configured(setup, WebhookSecrets::generate()).await
}

/// Starts the app on a fresh database with `WEBHOOK_SECRETS` set to `secrets` (for example
/// two `|`-separated keys, as during a rotation).
pub async fn spawn_app_with_secrets(secrets: &str) -> TestApp {
    spawn_app_configured(Setup::default(), secrets.to_owned()).await
}

/// Starts the app with the admin API and retry worker set up as `admin` says.
pub async fn spawn_admin_app(admin: AdminSetup) -> TestApp {
    spawn_app_full(
        Setup::default(),
        WebhookSecrets::generate(),
        Some(admin),
        |_| {},
    )
    .await
}

/// Starts the app with the admin API set up as `admin` says and its configuration changed by
/// `adjust` first.
pub async fn spawn_admin_app_adjusted(
    admin: AdminSetup,
    adjust: impl FnOnce(&mut AppConfig),
) -> TestApp {
    spawn_app_full(
        Setup::default(),
        WebhookSecrets::generate(),
        Some(admin),
        adjust,
    )
    .await
}

/// Starts the app with the admin API on a database set up as `setup` says.
pub async fn spawn_admin_app_with(setup: Setup, admin: AdminSetup) -> TestApp {
    spawn_app_full(setup, WebhookSecrets::generate(), Some(admin), |_| {}).await
}

/// Starts the app with its test configuration changed by `adjust` first.
pub async fn spawn_app_adjusted(adjust: impl FnOnce(&mut AppConfig)) -> TestApp {
    spawn_app_full(Setup::default(), WebhookSecrets::generate(), None, adjust).await
}

async fn spawn_app_configured(setup: Setup, secrets: String) -> TestApp {
    spawn_app_full(setup, secrets, None, |_| {}).await
}

/// Starts the app; `adjust` changes the test defaults of the configuration first.
async fn spawn_app_full(
    setup: Setup,
    secrets: String,
    admin: Option<AdminSetup>,
    adjust: impl FnOnce(&mut AppConfig),
) -> TestApp {
    let database = TestDatabase::create(setup).await;
    let mut worker = WorkerConfig::with_schedule(Default::default());
    let mut admin_token = None;
    if let Some(admin) = admin {
        worker.schedule = admin.schedule.parse().expect("test schedule parses");
        worker.retention = admin.retention;
        worker.housekeeping_every = admin.housekeeping_every;
        admin_token = admin.token.map(|token| {
            AdminToken::new(SecretString::from(token)).expect("the test token is strong enough")
        });
    }
    let spool_dir = tempfile::tempdir().expect("a spool folder");
    let mut config = AppConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        shutdown_timeout: Duration::from_secs(5),
        webhook: WebhookConfig {
            secrets: WebhookSecrets::parse(&secrets).expect("test secrets parse"),
            tolerance: Duration::from_secs(TOLERANCE_SECONDS),
            max_body_bytes: MAX_BODY_BYTES,
        },
        admin_token,
        worker,
        delivery: DeliveryConfig::default(),
        http: HttpLimits::default(),
        spool: SpoolConfig::new(
            Some(spool_dir.path()),
            spool_dir.path(),
            SpoolConfig::DEFAULT_MAX_BYTES,
        ),
        // The product's defaults: metrics on a port of their own (any free one here).
        metrics: MetricsConfig {
            listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
            on_public_port: false,
        },
        security: SecurityConfig::default(),
    };
    adjust(&mut config);
    let (address, metrics_address) = start(config.clone(), &database.pool);
    TestApp {
        address,
        metrics_address,
        database,
        secrets,
        client: reqwest::Client::new(),
        config,
        spool_dir: std::sync::Arc::new(spool_dir),
    }
}

/// Builds and runs one instance; its base URL and its metrics listener's (empty without one).
fn start(config: AppConfig, pool: &sqlx::PgPool) -> (String, String) {
    let application = Application::build(config, pool.clone()).expect("build app");
    let address = format!("http://127.0.0.1:{}", application.port());
    let metrics_address = application
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"))
        .unwrap_or_default();
    tokio::spawn(application.run_until_stopped());
    (address, metrics_address)
}

impl TestApp {
    /// Starts another instance of the same app on the same database; its base URL.
    pub fn another_instance(&self) -> String {
        start(self.config.clone(), &self.database.pool).0
    }

    /// `GET /metrics` from the metrics listener: the Prometheus text.
    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.metrics_address))
            .send()
            .await
            .expect("metrics request");
        assert_eq!(response.status(), 200, "GET /metrics");
        response.text().await.expect("metrics text")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

/// Seconds since the epoch, as a signer would stamp a delivery now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

impl TestApp {
    /// The app's first webhook key, to sign deliveries like Supabase does.
    pub fn key(&self) -> auth_mirror::webhook::WebhookKey {
        WebhookSecrets::parse(&self.secrets)
            .expect("secret parses")
            .keys()[0]
            .clone()
    }

    /// Standard Webhooks headers for `body`, signed now with the app's key and a fresh id.
    pub fn signed_headers(&self, body: &[u8]) -> Vec<(&'static str, String)> {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = unix_now();
        let signature = auth_mirror::webhook::sign(&self.key(), &id, timestamp, body);
        vec![
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ]
    }

    /// POSTs `body` as JSON with exactly the given extra headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/json")
            .body(body.into());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.send().await.expect("request")
    }

    /// POSTs `body` signed like Supabase signs a delivery (a new webhook-id each time, as on
    /// Supabase's retries).
    pub async fn post_signed(&self, path: &str, body: &[u8]) -> reqwest::Response {
        let headers = self.signed_headers(body);
        self.post_with_headers(path, &headers, body.to_vec()).await
    }

    /// The mirror row of `id` as JSON (without the row's own timestamps), if any.
    pub async fn mirror_row(&self, id: uuid::Uuid) -> Option<serde_json::Value> {
        sqlx::query_scalar(
            "select to_jsonb(u) - 'created_at' - 'updated_at' from public.users u where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.database.pool)
        .await
        .expect("query mirror")
    }

    /// Stored events as (kind, status, effect, last_error), oldest first.
    pub async fn events(&self) -> Vec<(String, String, Option<String>, Option<String>)> {
        sqlx::query_as(
            "select kind, status, effect, last_error from auth_mirror.events order by id",
        )
        .fetch_all(&self.database.pool)
        .await
        .expect("query events")
    }
}
