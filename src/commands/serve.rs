//! `auth-mirror serve`: the HTTP service.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use super::database::Database;
use super::{secret, spool_folder};
use crate::cli::ServeArgs;
use crate::config::{
    AdminToken, AppConfig, CookiePolicy, DeliveryConfig, HttpLimits, WebhookConfig, WorkerConfig,
};
use crate::startup::{Application, Listeners};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let admin_token = args.admin_token.clone().map(AdminToken::new).transpose()?;
    let embedded_database = args.database.database_url.is_none();
    let metrics = args
        .security
        .metrics(args.host, args.port)
        .map_err(anyhow::Error::msg)?;
    // First, so that a busy port fails at once, before any cluster is created or started.
    let listen = SocketAddr::new(args.host, args.port);
    let listeners = Listeners::bind(listen, &metrics)?;
    let secrets = secret::resolve(&args, embedded_database)?;
    let spool = args.spool();
    // Before the database: a spool that cannot be written is a deployment mistake (a volume
    // owned by root) to say plainly, not something to find out at the first outage.
    spool_folder::check(&spool.dir)?;
    let database = Database::open(&args.database).await?;
    if !args.skip_migrations {
        database.migrate().await?;
    }
    let config = AppConfig {
        listen,
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout_seconds),
        webhook: WebhookConfig {
            secrets: secrets.secrets.clone(),
            tolerance: Duration::from_secs(args.webhook_tolerance_seconds),
            max_body_bytes: args.max_body_bytes,
        },
        admin_token,
        worker: WorkerConfig {
            retention: args.event_retention,
            ..WorkerConfig::with_schedule(args.retry_schedule.clone())
        },
        delivery: DeliveryConfig {
            deadline: Duration::from_millis(args.delivery_deadline_ms),
        },
        spool,
        http: HttpLimits {
            max_connections: args.max_connections as usize,
            body_read_timeout: Duration::from_millis(args.body_read_timeout_ms),
        },
        metrics,
        security: args.security.config(embedded_database),
    };
    let insecure_cookies = config.admin_token.is_some()
        && config.security.cookies == CookiePolicy::InsecureForDevelopment;
    // Not "cannot listen": the listeners are bound already; their errors say what failed.
    let application = Application::from_listeners(listeners, config, database.pool.clone())
        .context("cannot start the service")?;
    secrets.announce();
    if insecure_cookies {
        tracing::warn!("console session cookies are not Secure (SECURE_COOKIES=false, the default on the embedded development database): for plain HTTP on your own machine only");
    }
    tracing::info!(host = %args.host, port = application.port(), metrics_port = application.metrics_port(), "auth-mirror is listening");
    // Stops in order on SIGTERM/SIGINT; the database is closed last, whatever happened.
    let served = application.run_until_signalled().await;
    database.close().await?;
    served
}
