//! The command line, its one home: every subcommand's arguments (clap), which `commands/`
//! reads. Every flag can also be given as an environment variable of the same name.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::telemetry::LogFormat;

mod events;
mod reconcile;
mod security;
mod send;
mod serve;

pub use events::{EventsArgs, EventsCommand, FilterArgs};
pub use reconcile::{ReconcileArgs, ReconcileSource};
pub use security::{MetricsPort, SecurityArgs, TrustedProxies};
pub use send::SendArgs;
pub use serve::ServeArgs;

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
    ///
    /// Prints what the mirror did with the event (applied, stale, failed with its reason,
    /// spooled ...). Exits 0 when it was applied or a documented no-op (stale: the mirror holds
    /// this state or a newer one; unversioned; allowed: before-user-created), 1 otherwise
    /// (failed, spooled, ignored, refused, unreachable).
    Send(SendArgs),
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

/// Values that may carry credentials are held redacted from the moment they are parsed, so a
/// `Debug` of the arguments cannot print them.
pub(crate) fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}
