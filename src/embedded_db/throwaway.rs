//! A cluster in a fresh temporary folder for one test or benchmark run.

use std::process::{Child, Command, Stdio};

use super::{EmbeddedDbError, EmbeddedPostgres};

/// A cluster in a fresh temporary folder. It is stopped and removed when the process that
/// created it exits, however it exits: a watchdog process waits for the end of a pipe that
/// only the operating system closes, at our exit.
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
            shell_quote(&cluster.data_dir().to_string_lossy()),
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
