//! `auth-mirror serve`: the HTTP service.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use super::database::Database;
use super::secrets;
use crate::cli::ServeArgs;
use crate::config::{AppConfig, WebhookConfig};
use crate::processing::retry::WorkerConfig;
use crate::startup::Application;
use crate::store;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let admin_token = admin_token(&args)?;
    let database = Database::open(&args.database).await?;
    let secrets = secrets::resolve(&args, database.is_embedded())?;
    if !args.skip_migrations {
        store::migrate::run(&database.pool)
            .await
            .context("cannot apply migrations (is DATABASE_URL reachable?)")?;
    }
    let config = AppConfig {
        listen: SocketAddr::new(args.host, args.port),
        webhook: WebhookConfig {
            secrets,
            tolerance: Duration::from_secs(args.webhook_tolerance_seconds),
            max_body_bytes: args.max_body_bytes,
        },
        admin_token,
        worker: WorkerConfig {
            retention: args.event_retention,
            ..WorkerConfig::with_schedule(args.retry_schedule.clone())
        },
    };
    let application = Application::build(config, database.pool.clone())
        .with_context(|| format!("cannot listen on {}:{} (HOST, PORT)", args.host, args.port))?;
    tracing::info!(host = %args.host, port = application.port(), "auth-mirror is listening");
    application.run_until_stopped().await?;
    tracing::info!("shutting down");
    database.close().await
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
