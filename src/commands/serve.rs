//! `auth-mirror serve`: the HTTP service.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use super::database::Database;
use super::secrets;
use crate::cli::ServeArgs;
use crate::config::{AppConfig, WebhookConfig};
use crate::startup::Application;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // First, so that a busy port fails at once, before any cluster is created or started.
    let listen = SocketAddr::new(args.host, args.port);
    let listener = std::net::TcpListener::bind(listen).with_context(|| {
        format!("cannot listen on {listen} (HOST, PORT): choose another PORT or stop what uses it")
    })?;
    let secrets = secrets::resolve(&args, args.database.database_url.is_none())?;
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
    };
    let application = Application::from_listener(listener, config, database.pool.clone())
        .with_context(|| format!("cannot listen on {listen} (HOST, PORT)"))?;
    secrets.announce();
    tracing::info!(host = %args.host, port = application.port(), "auth-mirror is listening");
    // Stops in order on SIGTERM/SIGINT; the database is closed last, whatever happened.
    let served = application.run_until_signalled().await;
    database.close().await?;
    served
}
