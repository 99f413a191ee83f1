//! `reconcile`'s arguments: the source of truth and how to read it.

use clap::Args;
use secrecy::SecretString;

use super::{secret, DatabaseArgs};

/// The source of truth a reconcile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReconcileSource {
    /// `auth.users` in the database of `DATABASE_URL` (the mirror lives beside it).
    Database,
    /// Supabase's Admin API (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`), for a mirror in
    /// another database. Supabase's own name for it on the command line; in the code it is
    /// the Auth API, so that "admin" means only auth-mirror's admin API.
    #[value(name = "admin-api")]
    AuthApi,
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
          default_value_t = crate::reconcile::auth_api::DEFAULT_ATTEMPTS,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
}
