//! `auth-mirror events`: the admin API of a running instance, from the command line.

use clap::{Args, Subcommand};
use secrecy::SecretString;

/// Where the running instance is and how to authenticate.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Base URL of a running auth-mirror.
    #[arg(
        long,
        env = "AUTH_MIRROR_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,

    /// The instance's `ADMIN_TOKEN`.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true, value_parser = super::secret, global = true)]
    pub token: Option<SecretString>,

    /// Print the API's JSON instead of tables (for scripts).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: EventsCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum EventsCommand {
    /// List stored events, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Page size (1 to 500).
        #[arg(long)]
        limit: Option<i64>,
        /// The `next page` cursor printed by a previous list.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one event: metadata, attempts, last error, how it was applied.
    Show {
        id: i64,
        /// Also print the stored payload (personal data).
        #[arg(long)]
        payload: bool,
    },
    /// Replay one event by id, or every failed and dead event matching the filters.
    ///
    /// Exits 1 when events are still failing afterwards (their apply failed again, or their
    /// payload was expunged so they cannot be replayed); 0 when nothing is left failing.
    /// `--dry-run` only counts and exits 0.
    Replay {
        /// The event to replay; without it, a bulk replay by filter.
        #[arg(conflicts_with_all = ["status", "source", "kind", "user_id", "since", "until"])]
        id: Option<i64>,
        #[command(flatten)]
        filter: FilterArgs,
        /// Count what would be replayed; change nothing.
        #[arg(long, conflicts_with = "id")]
        dry_run: bool,
        /// Replay at most this many events.
        #[arg(long, conflicts_with = "id")]
        limit: Option<i64>,
    },
    /// Counts per status and source, oldest failed event, trigger errors.
    Stats,
}

/// The filters of `list` and bulk `replay` (checked by the server).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// applied, failed, dead or ignored.
    #[arg(long)]
    pub status: Option<String>,
    /// auth_hook or db_webhook.
    #[arg(long)]
    pub source: Option<String>,
    /// Hook name, INSERT, UPDATE, DELETE or unparsed.
    #[arg(long)]
    pub kind: Option<String>,
    /// Auth user id.
    #[arg(long)]
    pub user_id: Option<String>,
    /// Received at or after this RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Received before this RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
}
