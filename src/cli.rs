//! The command line: every flag can also be given as an environment variable of the same name.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::config::SpoolConfig;
use crate::processing::schedule::{RetrySchedule, DEFAULT_RETRY_SCHEDULE};
use crate::telemetry::LogFormat;

mod events;

pub use events::{EventsArgs, EventsCommand, FilterArgs};

/// Mirrors Supabase auth users into `public.users` from signed auth webhooks.
#[derive(Debug, Parser)]
#[command(
    name = "auth-mirror",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings for `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Log format: `json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Apply the embedded migrations and exit (Fly's release command).
    Migrate(DatabaseArgs),
    /// Sign and post a sample event to a running instance, to check a deployment end to end.
    Send(crate::commands::SendArgs),
    /// Manage webhook secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// The database the service uses.
    #[command(subcommand)]
    Db(DbCommand),
    /// List, show and replay stored events through a running instance's admin API.
    Events(EventsArgs),
    /// Make public.users equal to the source of truth (auth.users, or Supabase's Admin API).
    Reconcile(ReconcileArgs),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the URL of the database the service uses, for `psql "$(auth-mirror db url)"`:
    /// the embedded cluster's (its port is kept in the data folder; nothing is started), or
    /// DATABASE_URL without its password.
    Url(DatabaseArgs),
    /// Print the SQL objects auth-mirror's migrations created in the database (schema
    /// auth_mirror, public.users, the triggers on auth.users), read from its catalog:
    /// what `sql/schema.sql` holds. Reads only; applies no migration.
    Schema(SchemaArgs),
}

/// Settings of `db schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Instead, start a throwaway PostgreSQL (the system's binaries), give it Supabase's
    /// `auth` schema, apply every migration and print its schema: how `sql/schema.sql` is made.
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Print a fresh secret in Supabase's format (`v1,whsec_...`).
    New,
}

/// `AUTH_MIRROR_DATA_DIR`'s default: local state beside where the service runs.
pub const DEFAULT_DATA_DIR: &str = ".auth-mirror";

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. Unset: a local PostgreSQL cluster under the data folder, started from
    /// the system's PostgreSQL binaries.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_parser = secret)]
    pub database_url: Option<SecretString>,

    /// Folder for local state: the embedded cluster (`postgres/`) and the development secret.
    #[arg(long, env = "AUTH_MIRROR_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub auth_mirror_data_dir: PathBuf,
}

/// Settings of the HTTP service.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,

    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Do not apply pending migrations at start (run `auth-mirror migrate` instead).
    #[arg(long, env = "SKIP_MIGRATIONS")]
    pub skip_migrations: bool,

    /// Webhook secrets as given to Supabase: `v1,whsec_<base64>`, several separated by `|`.
    #[arg(long, env = "WEBHOOK_SECRETS", hide_env_values = true, value_parser = secret)]
    pub webhook_secrets: Option<SecretString>,

    /// How far a delivery's `webhook-timestamp` may be from now, in seconds, either way.
    #[arg(long, env = "WEBHOOK_TOLERANCE_SECONDS", default_value_t = 300)]
    pub webhook_tolerance_seconds: u64,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Milliseconds a delivery may take to be committed (waiting for its batch, a database
    /// connection, locks and the commit); past it the delivery is answered 503. Keep it well
    /// inside Supabase's 5 s for all attempts.
    #[arg(long, env = "DELIVERY_DEADLINE_MS", default_value_t = crate::config::DEFAULT_DELIVERY_DEADLINE_MS, value_parser = clap::value_parser!(u64).range(100..=4_500))]
    pub delivery_deadline_ms: u64,
    /// Milliseconds a request body has to arrive in full once its headers are in; slower
    /// bodies are answered 408 and their connection closed.
    #[arg(long, env = "BODY_READ_TIMEOUT_MS", default_value_t = crate::config::DEFAULT_BODY_READ_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub body_read_timeout_ms: u64,

    /// Connections served at once (all worker threads together); more wait in the kernel's
    /// accept queue until one closes.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = crate::config::DEFAULT_MAX_CONNECTIONS as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Seconds a stop (SIGTERM, SIGINT) may take: in-flight requests finish, background tasks
    /// stop, then the database closes. Keep it below Fly's `kill_timeout`.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = crate::shutdown::DEFAULT_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub shutdown_timeout_seconds: u64,

    /// Bearer token of the admin API under `/admin` (at least 32 random characters); unset
    /// disables it.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true, value_parser = secret)]
    pub admin_token: Option<SecretString>,

    /// Delays before each retry of a failed event, comma-separated; then it is `dead`.
    #[arg(long, env = "RETRY_SCHEDULE", default_value = DEFAULT_RETRY_SCHEDULE)]
    pub retry_schedule: RetrySchedule,

    /// Applied and ignored events older than this are deleted (e.g. `30d`, `12h`).
    #[arg(long, env = "EVENT_RETENTION", default_value = "30d", value_parser = retention)]
    pub event_retention: Duration,

    /// Folder of the durable spool (deliveries the database cannot take in time). Unset:
    /// `spool/` inside the data folder. On Fly, a volume.
    #[arg(long, env = "SPOOL_DIR")]
    pub spool_dir: Option<PathBuf>,

    /// Largest size of the spool on disk, in bytes; past it deliveries are answered 503.
    #[arg(long, env = "SPOOL_MAX_BYTES", default_value_t = SpoolConfig::DEFAULT_MAX_BYTES,
          value_parser = clap::value_parser!(u64).range(1024 * 1024..))]
    pub spool_max_bytes: u64,

    /// Metrics port, trusted proxies, cookies, console sessions.
    #[command(flatten)]
    pub security: crate::config::security::SecurityArgs,
}

impl ServeArgs {
    /// `SPOOL_DIR` (or its default inside the data folder) and `SPOOL_MAX_BYTES`.
    pub fn spool(&self) -> SpoolConfig {
        SpoolConfig::new(
            self.spool_dir.as_deref(),
            &self.database.auth_mirror_data_dir,
            self.spool_max_bytes,
        )
    }
}

/// The source of truth a reconcile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReconcileSource {
    /// `auth.users` in the database of `DATABASE_URL` (the mirror lives beside it).
    Database,
    /// Supabase's Admin API (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`), for a mirror in
    /// another database.
    AdminApi,
}

/// Settings of `reconcile`.
#[derive(Debug, Clone, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Where the truth is read from.
    #[arg(long, env = "RECONCILE_FROM", value_enum, default_value_t = ReconcileSource::Database)]
    pub from: ReconcileSource,

    /// Count what would change, write nothing.
    #[arg(long, env = "RECONCILE_DRY_RUN")]
    pub dry_run: bool,

    /// Users per SQL statement.
    #[arg(long, env = "RECONCILE_BATCH_SIZE",
          default_value_t = crate::reconcile::database::DEFAULT_BATCH_SIZE,
          value_parser = clap::value_parser!(i64).range(1..=crate::reconcile::database::MAX_BATCH_SIZE))]
    pub batch_size: i64,

    /// Concurrent statements (`--from database`), each over a slice of the id space.
    #[arg(long, env = "RECONCILE_JOBS",
          default_value_t = crate::reconcile::database::DEFAULT_JOBS as u16,
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,

    /// Your project's URL, `https://<ref>.supabase.co` (`--from admin-api`).
    #[arg(long, env = "SUPABASE_URL")]
    pub supabase_url: Option<reqwest::Url>,

    /// The service role key (`--from admin-api`). Never printed or logged.
    #[arg(long, env = "SUPABASE_SERVICE_ROLE_KEY", hide_env_values = true, value_parser = secret)]
    pub supabase_service_role_key: Option<SecretString>,

    /// Users per Admin API page (`--from admin-api`).
    #[arg(long, env = "RECONCILE_PER_PAGE", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub per_page: u32,

    /// Attempts per Admin API request before giving up (429, 5xx and network errors are
    /// retried with backoff; a 429's `retry-after` is honoured).
    #[arg(long, env = "RECONCILE_MAX_ATTEMPTS",
          default_value_t = crate::reconcile::admin_api::DEFAULT_ATTEMPTS,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
}

/// Values that may carry credentials are held redacted from the moment they are parsed, so a
/// `Debug` of the arguments cannot print them.
pub(crate) fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}

/// `EVENT_RETENTION`: a duration such as `30d` or `12h`, at least one minute.
fn retention(value: &str) -> Result<Duration, String> {
    match humantime::parse_duration(value) {
        Ok(duration) if duration >= Duration::from_secs(60) => Ok(duration),
        Ok(_) => Err("EVENT_RETENTION must be at least 1m".into()),
        Err(_) => Err("EVENT_RETENTION must be a duration such as 30d or 12h".into()),
    }
}
