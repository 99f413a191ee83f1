//! `serve`'s arguments: where to listen, the database, secrets, limits, the retry worker,
//! the spool and (flattened) the security settings.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

use super::{secret, DatabaseArgs, SecurityArgs};
use crate::config::SpoolConfig;
use crate::domain::{RetrySchedule, DEFAULT_RETRY_SCHEDULE};

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
    pub security: SecurityArgs,
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

/// `EVENT_RETENTION`: a duration such as `30d` or `12h`, at least one minute.
fn retention(value: &str) -> Result<Duration, String> {
    match humantime::parse_duration(value) {
        Ok(duration) if duration >= Duration::from_secs(60) => Ok(duration),
        Ok(_) => Err("EVENT_RETENTION must be at least 1m".into()),
        Err(_) => Err("EVENT_RETENTION must be a duration such as 30d or 12h".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser as _;

    use crate::cli::{Cli, DEFAULT_DATA_DIR};
    use crate::config::SpoolConfig;

    fn spool(args: &[&str]) -> SpoolConfig {
        let cli = Cli::try_parse_from(std::iter::once("auth-mirror").chain(args.iter().copied()))
            .expect("the arguments parse");
        cli.serve.spool()
    }

    #[test]
    fn the_spool_lives_inside_the_data_folder_unless_spool_dir_is_set() {
        assert_eq!(spool(&[]).dir, Path::new(DEFAULT_DATA_DIR).join("spool"));
        assert_eq!(
            spool(&["--auth-mirror-data-dir", "/var/lib/am"]).dir,
            Path::new("/var/lib/am/spool")
        );
        assert_eq!(
            spool(&["--auth-mirror-data-dir", "/d", "--spool-dir", "/mnt/spool"]).dir,
            Path::new("/mnt/spool")
        );
    }

    #[test]
    fn spool_max_bytes_defaults_to_256_mib_and_refuses_less_than_one_mib() {
        assert_eq!(spool(&[]).max_bytes, 268_435_456);
        assert_eq!(
            spool(&["--spool-max-bytes", "1048576"]).max_bytes,
            1_048_576
        );
        let too_small = Cli::try_parse_from(["auth-mirror", "--spool-max-bytes", "1000"]);
        assert!(too_small.is_err());
    }
}
