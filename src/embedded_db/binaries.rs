//! Finding PostgreSQL's server binaries on this machine.

use std::path::{Path, PathBuf};

use super::EmbeddedDbError;

/// The folder holding `initdb`, `pg_ctl` and `postgres`.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    dir: PathBuf,
}

impl PgBinaries {
    /// Looks on `PATH` first, then under `/usr/lib/postgresql/<version>/bin` (newest first),
    /// where Debian and Ubuntu put the server binaries without linking them onto `PATH`.
    pub fn locate() -> Result<Self, EmbeddedDbError> {
        let on_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path().join("bin"))
                    .collect()
            })
            .unwrap_or_default();
        debian.sort_by_key(|dir| std::cmp::Reverse(major_version(dir)));
        on_path
            .into_iter()
            .chain(debian)
            .find(|dir| is_server_bin_dir(dir))
            .map(|dir| Self { dir })
            .ok_or(EmbeddedDbError::BinariesNotFound)
    }

    /// Full path of one of the binaries.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn is_server_bin_dir(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

/// `/usr/lib/postgresql/15/bin` -> 15; anything unexpected sorts last.
fn major_version(bin_dir: &Path) -> u32 {
    bin_dir
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .and_then(|name| name.split('.').next())
        .and_then(|major| major.parse().ok())
        .unwrap_or(0)
}
