//! The development cluster of a data folder: found where the `postgres` user can reach it,
//! on the port kept for that folder, shared by every instance using the folder and stopped by
//! the last one out.

use std::fmt;
use std::path::{Path, PathBuf};

use sqlx::postgres::PgConnectOptions;

use super::location::{self, ClusterLocation};
use super::os_user::RunAs;
use super::ownership::{self, Membership};
use super::{port, EmbeddedDbError, EmbeddedPostgres};

/// How this instance came to use the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// It was not running; this instance started it.
    Started,
    /// It was running with no instance using it (left over from a crash); this instance
    /// took it over and stops it like one it started.
    Adopted,
    /// Another live instance uses it; the last of them to leave stops it.
    Shared,
}

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Started => "started",
            Self::Adopted => "adopted",
            Self::Shared => "shared",
        })
    }
}

/// A data folder's running cluster, in use by this instance until `leave` (or drop).
#[derive(Debug)]
pub struct LocalCluster {
    cluster: EmbeddedPostgres,
    data_dir: PathBuf,
    location: ClusterLocation,
    arrival: Arrival,
    membership: Option<Membership>,
}

impl LocalCluster {
    /// Starts, adopts or shares the cluster of `data_dir` (created if missing).
    pub fn start(data_dir: &Path) -> Result<Self, EmbeddedDbError> {
        let run_as = RunAs::detect()?;
        std::fs::create_dir_all(data_dir).map_err(EmbeddedDbError::io(format!(
            "cannot create {}",
            data_dir.display()
        )))?;
        let data_dir = std::fs::canonicalize(data_dir).map_err(EmbeddedDbError::io(format!(
            "cannot resolve {}",
            data_dir.display()
        )))?;
        let location = location::locate(&data_dir, &run_as)?;
        let mut cluster = EmbeddedPostgres::at(&location.pgdata, run_as)?;
        let turn = ownership::take_turn(&data_dir)?;
        let (membership, others) = ownership::join(&data_dir, &turn)?;
        let arrival = match cluster.running_port() {
            Some(running) => {
                cluster.attach(running);
                if port::stored(&data_dir) != Some(running) {
                    port::save(&data_dir, running)?;
                }
                if others {
                    Arrival::Shared
                } else {
                    Arrival::Adopted
                }
            }
            None => {
                start_fresh(&mut cluster, &data_dir)?;
                Arrival::Started
            }
        };
        Ok(Self {
            cluster,
            data_dir,
            location,
            arrival,
            membership: Some(membership),
        })
    }

    /// Whether this instance started, adopted or shared the cluster.
    pub fn arrival(&self) -> Arrival {
        self.arrival
    }

    /// The cluster's folder, and whether it lives outside the data folder.
    pub fn location(&self) -> &ClusterLocation {
        &self.location
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.cluster.port()
    }

    /// Connection options for database `database` of this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        self.cluster.connect_options(database)
    }

    /// Stops using the cluster; stops the server when no other instance uses it.
    pub fn leave(&mut self) -> Result<(), EmbeddedDbError> {
        let Some(membership) = self.membership.take() else {
            return Ok(());
        };
        let turn = ownership::take_turn(&self.data_dir)?;
        if membership.leave(&turn) {
            self.cluster.shut_down("fast")?;
            tracing::info!(folder = %self.location.pgdata.display(), "embedded PostgreSQL stopped");
        } else {
            tracing::info!("other instances still use the embedded PostgreSQL; leaving it running");
        }
        Ok(())
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Err(error) = self.leave() {
            tracing::warn!(%error, "could not stop the embedded PostgreSQL");
        }
    }
}

/// Creates the cluster if needed and starts it on the data folder's port. A cluster folder
/// this call created is removed again if the start fails, so a retry begins clean.
fn start_fresh(cluster: &mut EmbeddedPostgres, data_dir: &Path) -> Result<(), EmbeddedDbError> {
    let created = !cluster.data_dir().exists();
    let result = (|| {
        if !cluster.is_initialised() {
            cluster.initialise()?;
        }
        cluster.launch(port::for_start(data_dir)?)
    })();
    if result.is_err() && created {
        let _ = std::fs::remove_dir_all(cluster.data_dir());
    }
    result
}
