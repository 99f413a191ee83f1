//! Starting, reusing and stopping one local PostgreSQL cluster.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use sqlx::postgres::PgConnectOptions;

use super::os_user::RunAs;
use super::{EmbeddedDbError, PgBinaries};

/// A running local cluster, listening on a loopback port with trust authentication for the
/// `postgres` role. Loopback only: nothing outside this machine can reach it.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    binaries: PgBinaries,
    run_as: RunAs,
    data_dir: PathBuf,
    port: u16,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Starts the cluster in `data_dir`, creating it on first use, or reuses it when a server
    /// is already running there (for example after this service was killed).
    pub fn start(data_dir: &Path) -> Result<Self, EmbeddedDbError> {
        let binaries = PgBinaries::locate()?;
        let run_as = RunAs::detect()?;
        let data_dir = std::path::absolute(data_dir).map_err(EmbeddedDbError::io(format!(
            "cannot resolve {}",
            data_dir.display()
        )))?;
        if !data_dir.join("PG_VERSION").is_file() {
            run_as.prepare_private_dir(&data_dir)?;
            run(run_as
                .command(&binaries.path("initdb"))
                .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
                .args(["--locale=C", "--no-sync", "--pgdata"])
                .arg(&data_dir))?;
        }
        let mut cluster = Self {
            binaries,
            run_as,
            data_dir,
            port: 0,
            started_here: false,
        };
        match cluster.running_port() {
            Some(port) => cluster.port = port,
            None => cluster.launch()?,
        }
        Ok(cluster)
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

    /// Stops the server if this process started it; a reused server is left running.
    pub fn stop(&mut self) -> Result<(), EmbeddedDbError> {
        if !self.started_here {
            return Ok(());
        }
        self.started_here = false;
        run(self.pg_ctl().args(["stop", "--mode=fast", "--wait"]))
    }

    fn launch(&mut self) -> Result<(), EmbeddedDbError> {
        let port = free_loopback_port()?;
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
        self.started_here = true;
        Ok(())
    }

    /// The port of a server already running on this data folder, from `postmaster.pid`
    /// (its fourth line), if `pg_ctl status` confirms that it is alive.
    fn running_port(&self) -> Option<u16> {
        let alive = self
            .pg_ctl()
            .arg("status")
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

    fn pg_ctl(&self) -> Command {
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

/// A cluster in a fresh temporary folder for one test or benchmark run. It is stopped and
/// removed when the process that created it exits, however it exits: a watchdog process
/// waits for the end of a pipe that only the operating system closes, at our exit.
#[derive(Debug)]
pub struct Throwaway {
    cluster: EmbeddedPostgres,
    _watchdog: Child,
}

impl Throwaway {
    pub fn start() -> Result<Self, EmbeddedDbError> {
        let folder = std::env::temp_dir().join(format!("auth-mirror-{}", uuid::Uuid::new_v4()));
        let cluster = EmbeddedPostgres::start(&folder)?;
        let mut stop = cluster.pg_ctl();
        stop.args(["stop", "--mode=immediate"]);
        let script = format!(
            "cat >/dev/null; {} >/dev/null 2>&1; rm -rf {}",
            shell_line(&stop),
            shell_quote(&cluster.data_dir.to_string_lossy()),
        );
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(EmbeddedDbError::io("cannot start the cleanup watchdog"))?;
        Ok(Self {
            cluster,
            _watchdog: watchdog,
        })
    }

    pub fn cluster(&self) -> &EmbeddedPostgres {
        &self.cluster
    }
}

fn shell_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| shell_quote(&word.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn free_loopback_port() -> Result<u16, EmbeddedDbError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(EmbeddedDbError::io("cannot find a free loopback port"))
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
