//! The validated configuration the application is built from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;

use crate::processing::retry::WorkerConfig;
use crate::webhook::WebhookSecrets;

/// Everything `Application::build` needs besides the database pool.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where to listen; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// How long a graceful stop may take (`SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_timeout: Duration,
    pub webhook: WebhookConfig,
    /// `ADMIN_TOKEN`: the admin API's bearer token; `None` disables `/admin` entirely.
    pub admin_token: Option<SecretString>,
    /// The retry worker: `RETRY_SCHEDULE`, `EVENT_RETENTION`.
    pub worker: WorkerConfig,
}

/// How deliveries are authenticated and bounded.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub secrets: WebhookSecrets,
    /// How far `webhook-timestamp` may be from now, either way.
    pub tolerance: Duration,
    /// Largest accepted body, checked before any other work.
    pub max_body_bytes: usize,
}

/// The durable spool: where deliveries go when the database cannot take them in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    /// `SPOOL_DIR`: the segment files (on Fly, a volume).
    pub dir: PathBuf,
    /// `SPOOL_MAX_BYTES`: appends past this many bytes on disk are refused (`503`).
    pub max_bytes: u64,
    /// A segment takes no more records once it holds this many bytes.
    pub segment_bytes: u64,
}

impl SpoolConfig {
    /// `SPOOL_MAX_BYTES`'s default: 256 MiB, tens of thousands of deliveries.
    pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
    /// Segment size: small enough that a drained segment is soon deleted, large enough that
    /// few are created during an outage.
    pub const DEFAULT_SEGMENT_BYTES: u64 = 8 * 1024 * 1024;
    /// `SPOOL_DIR`'s default: this folder inside the data folder (`AUTH_MIRROR_DATA_DIR`).
    pub const DEFAULT_FOLDER: &'static str = "spool";

    /// `SPOOL_DIR` if set, else `spool/` inside the data folder.
    pub fn new(spool_dir: Option<&Path>, data_dir: &Path, max_bytes: u64) -> Self {
        Self {
            dir: spool_dir.map_or_else(|| data_dir.join(Self::DEFAULT_FOLDER), Path::to_path_buf),
            max_bytes,
            segment_bytes: Self::DEFAULT_SEGMENT_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, DEFAULT_DATA_DIR};

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
