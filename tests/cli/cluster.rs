//! Watching a data folder's PostgreSQL cluster from outside: is its server running, and a
//! guard that stops and removes it whatever happens to the test; a throwaway server for tests
//! that need a `DATABASE_URL`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::sync::OnceLock;

use auth_mirror::embedded_db::{PgBinaries, Throwaway};
use sqlx::{Connection, Executor, PgConnection};

/// Stops the cluster in `folder` (`pg_ctl stop -m immediate`) when dropped, and removes the
/// folder when it lives outside the test's temporary folder (a relocated cluster).
pub struct ClusterGuard {
    folder: PathBuf,
    remove: bool,
}

impl ClusterGuard {
    /// Guards the cluster folder named by an `embedded PostgreSQL ...` log event.
    pub fn from_event(event: &serde_json::Value, sandbox: &Path) -> Self {
        let folder = PathBuf::from(event["folder"].as_str().expect("folder in the log"));
        let remove = !folder.starts_with(sandbox);
        Self { folder, remove }
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        if postgres_running_in(&self.folder) {
            let pg_ctl = PgBinaries::locate()
                .expect("PostgreSQL binaries")
                .path("pg_ctl");
            let mut command = if is_root() {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(pg_ctl);
                command
            } else {
                Command::new(pg_ctl)
            };
            let _ = command
                .args(["stop", "-m", "immediate", "-D"])
                .arg(&self.folder)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.folder);
        }
    }
}

/// Whether a PostgreSQL server (`postgres -D <folder>`) of `folder` is running, read from
/// /proc rather than asked of PostgreSQL.
pub fn postgres_running_in(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            return false;
        };
        let args: Vec<&[u8]> = cmdline.split(|byte| *byte == 0).collect();
        args.windows(2).any(|pair| {
            pair[0] == b"-D" && Path::new(std::str::from_utf8(pair[1]).unwrap_or("")) == folder
        })
    })
}

pub fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// One throwaway PostgreSQL server for the tests of this binary that need a `DATABASE_URL`;
/// each creates its own database in it. Stopped and removed when the test process exits.
pub fn shared_server() -> &'static Throwaway {
    static SERVER: OnceLock<Throwaway> = OnceLock::new();
    SERVER.get_or_init(|| Throwaway::start().expect("a throwaway PostgreSQL"))
}

/// A new, empty database `name` on the shared server; returns its URL.
pub async fn new_database(name: &str) -> String {
    let server = shared_server().cluster();
    let mut admin = PgConnection::connect_with(&server.connect_options("postgres"))
        .await
        .expect("connect to the throwaway server");
    admin
        .execute(format!("create database {name}").as_str())
        .await
        .expect("create database");
    format!("postgres://postgres@127.0.0.1:{}/{name}", server.port())
}
