//! Where an instance's spool lives inside `SPOOL_DIR`: the first instance folder no other
//! process holds, and the folders of stopped instances that the drainer takes over.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nix::fcntl::{Flock, FlockArg};
use tokio::sync::{mpsc, Notify};

use super::writer::Writer;
use super::{segments, Inner, Shared, Spool, SpoolError, LOCK_FILE};
use crate::config::SpoolConfig;
use crate::metrics::SpoolMetrics;

/// Instances that can share one `SPOOL_DIR` (local development: several `serve` on one data
/// folder). On Fly each machine has its own volume, and uses `0/`.
const MAX_INSTANCES: u32 = 16;

/// The folder of instance `slot` inside `SPOOL_DIR`.
fn slot_dir(base: &Path, slot: u32) -> PathBuf {
    base.join(slot.to_string())
}

impl Spool {
    /// Opens this instance's spool in `config.dir` (created if missing): takes the first
    /// instance folder no other process holds, counts what its segments hold, and starts the
    /// writer thread. Blocking: call it at start-up.
    pub fn open(config: &SpoolConfig, metrics: SpoolMetrics) -> Result<Self, SpoolError> {
        for slot in 0..MAX_INSTANCES {
            match Self::open_folder(config, &slot_dir(&config.dir, slot), metrics.clone()) {
                Err(SpoolError::InUse) => continue,
                opened => return opened,
            }
        }
        Err(SpoolError::InUse)
    }

    /// Opens the spool of one instance folder, if no other process holds it.
    pub(super) fn open_folder(
        config: &SpoolConfig,
        dir: &Path,
        metrics: SpoolMetrics,
    ) -> Result<Self, SpoolError> {
        let unwritable = |error| SpoolError::Unwritable(Arc::new(error));
        std::fs::create_dir_all(dir).map_err(unwritable)?;
        // The folders just created must survive a power loss like the segments inside them:
        // this instance's folder, SPOOL_DIR, and the folder holding SPOOL_DIR.
        for folder in dir.ancestors().take(3) {
            let folder = match folder.as_os_str().is_empty() {
                true => Path::new("."),
                false => folder,
            };
            segments::sync_dir(folder).map_err(unwritable)?;
        }
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(unwritable)?;
        let lock =
            Flock::lock(lock, FlockArg::LockExclusiveNonblock).map_err(|_| SpoolError::InUse)?;
        let segments = segments::recover(dir).map_err(unwritable)?;
        let shared = Arc::new(Shared {
            depth: Mutex::default(),
            appended: Notify::new(),
            metrics,
        });
        let writer = Writer::new(
            dir.to_path_buf(),
            config.max_bytes,
            config.segment_bytes,
            segments,
            shared.clone(),
        );
        let (commands, receiver) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(unwritable)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config: config.clone(),
                dir: dir.to_path_buf(),
                commands: Some(commands),
                writer: Some(thread),
                shared,
                _lock: lock,
            }),
        })
    }

    /// The spools of instance folders no longer held by a running instance that still hold
    /// segments, opened (so locked) for the drainer. Their gauges are their own: this
    /// instance's depth is what its metrics show.
    pub(super) async fn orphans(&self) -> Vec<Spool> {
        let (config, own) = (self.inner.config.clone(), self.inner.dir.clone());
        let metrics = SpoolMetrics {
            records: Default::default(),
            bytes: Default::default(),
            ..self.metrics().clone()
        };
        let open = move || {
            (0..MAX_INSTANCES)
                .map(|slot| slot_dir(&config.dir, slot))
                .filter(|dir| *dir != own && segments::any_in(dir))
                .filter_map(|dir| Self::open_folder(&config, &dir, metrics.clone()).ok())
                .collect()
        };
        tokio::task::spawn_blocking(open).await.unwrap_or_default()
    }
}
