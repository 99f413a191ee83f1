//! The embedded cluster's port: chosen once per data folder and kept in
//! `<data folder>/postgres.port`, so its URL stays the same from one start to the next. It
//! changes only when something else has taken it.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use super::EmbeddedDbError;

const PORT_FILE: &str = "postgres.port";

/// The port kept for `data_dir`, if one was chosen.
pub fn stored(data_dir: &Path) -> Option<u16> {
    std::fs::read_to_string(port_file(data_dir))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The kept port, choosing (and keeping) a free one if there is none yet. Starts nothing.
pub fn stored_or_new(data_dir: &Path) -> Result<u16, EmbeddedDbError> {
    match stored(data_dir) {
        Some(port) => Ok(port),
        None => keep_new(data_dir),
    }
}

/// Chooses a free port and keeps it for `data_dir`.
fn keep_new(data_dir: &Path) -> Result<u16, EmbeddedDbError> {
    let port = free_loopback_port()?;
    save(data_dir, port)?;
    Ok(port)
}

/// The port to start a server on: the kept one while it is free, else a new one, kept from
/// now on (and said in the log, since the URL changes).
pub(crate) fn for_start(data_dir: &Path) -> Result<u16, EmbeddedDbError> {
    match stored(data_dir) {
        Some(port) if is_free(port) => Ok(port),
        Some(taken) => {
            let port = free_loopback_port()?;
            tracing::warn!(
                taken,
                port,
                "the embedded PostgreSQL's port is taken by another program; using a new one from now on"
            );
            save(data_dir, port)?;
            Ok(port)
        }
        None => keep_new(data_dir),
    }
}

/// Keeps `port` for `data_dir` (e.g. the port of a running cluster that was adopted).
pub(crate) fn save(data_dir: &Path, port: u16) -> Result<(), EmbeddedDbError> {
    let path = port_file(data_dir);
    std::fs::write(&path, format!("{port}\n")).map_err(EmbeddedDbError::io(format!(
        "cannot write {}",
        path.display()
    )))
}

fn port_file(data_dir: &Path) -> PathBuf {
    data_dir.join(PORT_FILE)
}

fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

pub(crate) fn free_loopback_port() -> Result<u16, EmbeddedDbError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(EmbeddedDbError::io("cannot find a free loopback port"))
}
