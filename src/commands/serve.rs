//! `auth-mirror serve`: the HTTP service.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use super::database::Database;
use super::{secrets, spool_folder};
use crate::cli::ServeArgs;
use crate::config::{AppConfig, DeliveryConfig, HttpLimits, WebhookConfig};
use crate::processing::retry::WorkerConfig;
use crate::startup::Application;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let admin_token = admin_token(&args)?;
    // First, so that a busy port fails at once, before any cluster is created or started.
    let listen = SocketAddr::new(args.host, args.port);
    let listener = std::net::TcpListener::bind(listen).with_context(|| {
        format!("cannot listen on {listen} (HOST, PORT): choose another PORT or stop what uses it")
    })?;
    let secrets = secrets::resolve(&args, args.database.database_url.is_none())?;
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
    };
    // Not "cannot listen": the listener is bound already; its errors say what failed.
    let application = Application::from_listener(listener, config, database.pool.clone())
        .context("cannot start the service")?;
    secrets.announce();
    tracing::info!(host = %args.host, port = application.port(), "auth-mirror is listening");
    // Stops in order on SIGTERM/SIGINT; the database is closed last, whatever happened.
    let served = application.run_until_signalled().await;
    database.close().await?;
    served
}

/// `ADMIN_TOKEN`, long enough not to be guessed (and never empty, which would let `Bearer `
/// through). The value is not echoed.
fn admin_token(args: &ServeArgs) -> anyhow::Result<Option<SecretString>> {
    match &args.admin_token {
        Some(token) if token.expose_secret().chars().count() < 16 => anyhow::bail!(
            "ADMIN_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 32`)"
        ),
        token => Ok(token.clone()),
    }
}
