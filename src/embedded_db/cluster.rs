//! One local PostgreSQL cluster in one folder: create it, find it running, start and stop it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::postgres::PgConnectOptions;

use super::os_user::RunAs;
use super::port::free_loopback_port;
use super::{EmbeddedDbError, PgBinaries};

/// A local cluster listening on a loopback port with trust authentication for the
/// `postgres` role. Loopback only: nothing outside this machine can reach it.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    binaries: PgBinaries,
    run_as: RunAs,
    data_dir: PathBuf,
    port: u16,
    /// Whether dropping this value stops the server.
    stop_on_drop: bool,
}

impl EmbeddedPostgres {
    /// Starts a cluster of its own in `data_dir` on a free port, creating it on first use, or
    /// reuses the server already running there. Stops it on drop if it started it.
    pub fn start(data_dir: &Path) -> Result<Self, EmbeddedDbError> {
        let mut cluster = Self::at(data_dir, RunAs::detect()?)?;
        if !cluster.is_initialised() {
            cluster.initialise()?;
        }
        match cluster.running_port() {
            Some(port) => cluster.port = port,
            None => {
                cluster.launch(free_loopback_port()?)?;
                cluster.stop_on_drop = true;
            }
        }
        Ok(cluster)
    }

    /// The cluster in `data_dir`, not yet touched.
    pub(crate) fn at(data_dir: &Path, run_as: RunAs) -> Result<Self, EmbeddedDbError> {
        let data_dir = std::path::absolute(data_dir).map_err(EmbeddedDbError::io(format!(
            "cannot resolve {}",
            data_dir.display()
        )))?;
        Ok(Self {
            binaries: PgBinaries::locate()?,
            run_as,
            data_dir,
            port: 0,
            stop_on_drop: false,
        })
    }

    pub(crate) fn is_initialised(&self) -> bool {
        self.data_dir.join("PG_VERSION").is_file()
    }

    /// Creates the cluster with `initdb`.
    pub(crate) fn initialise(&self) -> Result<(), EmbeddedDbError> {
        self.run_as.prepare_private_dir(&self.data_dir)?;
        run(self
            .run_as
            .command(&self.binaries.path("initdb"))
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C", "--no-sync", "--pgdata"])
            .arg(&self.data_dir))
    }

    /// Connection options for database `database` of this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .database(database)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's folder (`PGDATA`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Uses the server found running on `port`.
    pub(crate) fn attach(&mut self, port: u16) {
        self.port = port;
    }

    /// Stops the server if dropping this value would have; a reused server is left running.
    pub fn stop(&mut self) -> Result<(), EmbeddedDbError> {
        if !std::mem::take(&mut self.stop_on_drop) {
            return Ok(());
        }
        self.shut_down("fast")
    }

    /// Stops the server now (`pg_ctl stop` in `mode`: `fast` or `immediate`).
    pub(crate) fn shut_down(&self, mode: &str) -> Result<(), EmbeddedDbError> {
        run(self
            .pg_ctl()
            .args(["stop", "--wait", &format!("--mode={mode}")]))
    }

    /// Starts the server on loopback `port`.
    pub(crate) fn launch(&mut self, port: u16) -> Result<(), EmbeddedDbError> {
        // pg_ctl hands -o to a shell, so '' is an empty value: no Unix socket, TCP on
        // loopback only, which also keeps clusters of parallel runs apart.
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on"
        );
        run(self
            .pg_ctl()
            .args(["start", "--wait", "--timeout=60", "--log"])
            .arg(self.data_dir.join("server.log"))
            .arg("-o")
            .arg(options))?;
        self.port = port;
        Ok(())
    }

    /// The port of a server running on this folder, from `postmaster.pid` (its fourth line),
    /// if `pg_ctl status` confirms that it is alive.
    pub(crate) fn running_port(&self) -> Option<u16> {
        let alive = self
            .pg_ctl()
            .arg("status")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        if !alive {
            return None;
        }
        let pid_file = std::fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    /// `pg_ctl --pgdata <folder>`, run as the user the binaries accept.
    pub(crate) fn pg_ctl(&self) -> Command {
        let mut command = self.run_as.command(&self.binaries.path("pg_ctl"));
        command.arg("--pgdata").arg(&self.data_dir);
        command
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            tracing::warn!(%error, "could not stop the embedded PostgreSQL");
        }
    }
}

fn run(command: &mut Command) -> Result<(), EmbeddedDbError> {
    let description = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(EmbeddedDbError::io(format!("cannot run {description}")))?;
    if output.status.success() {
        return Ok(());
    }
    Err(EmbeddedDbError::CommandFailed {
        command: description,
        status: output.status.to_string(),
        output: String::from_utf8_lossy(&[output.stdout, output.stderr].concat())
            .trim()
            .to_string(),
    })
}
