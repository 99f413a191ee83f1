//! Running the `auth-mirror` binary as a process: an empty environment (but `PATH`), a
//! temporary folder as working and data folder, and a time limit.

// Shared by tests/cli/ and tests/deploy/; each uses part of it.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_auth-mirror");

/// How long a command that should stop by itself may take.
pub const QUICK: Duration = Duration::from_secs(30);

/// A temporary folder the `postgres` OS user can reach (the embedded cluster runs as that user
/// when the tests run as root, and `tempdir` creates folders with mode 0700).
pub fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("open the temporary folder to the postgres user");
    dir
}

/// `auth-mirror <args>` in `dir`, with only `PATH` and `AUTH_MIRROR_DATA_DIR` set.
pub fn auth_mirror(dir: &Path, args: &[&str]) -> Command {
    command_in(dir, BINARY.as_ref(), args)
}

/// `program <args>` in `dir`, in the environment `auth_mirror` gives the binary.
pub fn command_in(dir: &Path, program: &std::ffi::OsStr, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTH_MIRROR_DATA_DIR", dir)
        .current_dir(dir)
        .stdin(Stdio::null());
    command
}

/// Runs `command` to completion within `QUICK`, or kills it and fails.
pub async fn run(command: Command) -> Output {
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    tokio::time::timeout(QUICK, command.output())
        .await
        .expect("the command ends within 30 s")
        .expect("the binary runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
