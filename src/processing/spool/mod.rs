//! The durable spool: verified deliveries the database cannot take in time are appended to
//! local segment files (fsynced before the sender is answered) and moved into the event store
//! by the drainer once the database is back.
//!
//! # On-disk format (version 1)
//!
//! `SPOOL_DIR` holds one folder per running instance, `0/`, `1/` ...: an instance takes the
//! first one whose `spool.lock` no other process holds (an exclusive `flock`), so one instance
//! alone (one Fly machine per volume) always uses `0/`, and several `serve` sharing one data
//! folder each get their own. The drainer also drains a folder left by an instance that is no
//! longer running. A folder holds segment files `NNNNNNNNNNNNNNNNNNNN.seg` (twenty decimal
//! digits, drained in that order). A segment is a sequence of records, append-only, all
//! integers little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `F5 53 50 4C` (`0xF5` never occurs in UTF-8, so never inside a JSON body) |
//! | 4 | payload length `n` (u32, at most 64 MiB) |
//! | 4 | CRC-32 (IEEE) of the magic, the length and the payload |
//! | n | payload |
//!
//! The payload: format version `1` (u8); source (u8: `1` Auth Hook, `2` database webhook);
//! `webhook-timestamp` (i64, unix seconds); `webhook-id` length (u16) and bytes (UTF-8); then
//! the body exactly as signed, up to the end of the payload. The drainer parses these and
//! hands them to group commit as the intake would, so the event key and the stored payload
//! are those of a direct delivery. A record the database refuses for good is moved into
//! `quarantine/` (see `quarantine.rs`), kept until replayed.
//!
//! # Durability and crash safety
//!
//! An append is answered only after `fdatasync` of its segment (and of the folder when the
//! segment is new). A segment found at start-up is never appended to again, so a record torn
//! by a power loss stays at the end of its segment, where the reader reports it as truncated.
//! A corrupt record (bad marker, length or checksum) is reported and skipped: the reader never
//! trusts a damaged length and resynchronises on the next marker whose record checks out, so
//! the records after it are kept.
//!
//! The drainer deletes a segment only after every record in it is stored. After a crash it
//! drains a remaining segment again from its start: records stored before the crash come back
//! as duplicates of their stable event key and are not applied twice.

pub mod drainer;

mod folders;
mod payload;
mod quarantine;
mod record;
mod requeue;
mod segments;
mod writer;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use nix::fcntl::Flock;
use tokio::sync::{mpsc, oneshot, Notify};

pub use payload::SpooledDelivery;
pub use quarantine::Quarantined;
pub use record::Damage;
pub use requeue::{replay_quarantined, QuarantineReplayError};
pub use segments::SegmentId;

use self::writer::Command;
use crate::config::SpoolConfig;
use crate::domain::Source;
use crate::metrics::SpoolMetrics;
use crate::webhook::VerifiedDelivery;

const LOCK_FILE: &str = "spool.lock";
/// Why an append (or opening the spool) failed. The caller answers `503` with `retry-after`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SpoolError {
    /// The record would take the spool past `SPOOL_MAX_BYTES`.
    #[error("the spool is full (SPOOL_MAX_BYTES)")]
    Full,
    /// The disk refused: the folder or a segment cannot be created, written or synced.
    #[error("the spool cannot be written: {0}")]
    Unwritable(#[source] Arc<io::Error>),
    /// Other running instances hold every instance folder of `SPOOL_DIR`.
    #[error("every instance folder of SPOOL_DIR is in use by another process")]
    InUse,
}

/// What the spool holds now: intact records not yet drained, and bytes on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    pub records: u64,
    pub bytes: u64,
}

/// The spool. Clones share one spool; the writer thread ends with the last clone.
#[derive(Clone)]
pub struct Spool {
    inner: Arc<Inner>,
}

struct Inner {
    config: SpoolConfig,
    /// This instance's folder inside `config.dir`.
    dir: PathBuf,
    commands: Option<mpsc::UnboundedSender<Command>>,
    writer: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    // Released last, after the writer thread has ended.
    _lock: Flock<File>,
}

/// What the writer thread publishes to the handles.
struct Shared {
    depth: Mutex<Depth>,
    /// Woken after appends are durable, so the drainer does not have to poll.
    appended: Notify,
    metrics: SpoolMetrics,
}

impl Shared {
    fn publish(&self, depth: Depth) {
        *self
            .depth
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = depth;
        self.metrics.records.set(depth.records as i64);
        self.metrics.bytes.set(depth.bytes as i64);
    }
}

impl Spool {
    /// Appends one verified delivery; returns once it is durable on disk.
    pub async fn append(
        &self,
        source: Source,
        delivery: &VerifiedDelivery,
        body: &[u8],
    ) -> Result<(), SpoolError> {
        let frame = payload::encode(source, delivery, body)
            .and_then(|payload| record::frame(&payload))
            .ok_or(SpoolError::Full)?;
        self.ask(|reply| Command::Append { frame, reply }).await
    }

    /// Records and bytes in the spool now (for `/readyz` and the metrics).
    pub fn depth(&self) -> Depth {
        *self
            .inner
            .shared
            .depth
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Whether a delivery can still be appended: the spool is below `SPOOL_MAX_BYTES` (an
    /// append can still fail on the disk itself; `/readyz` reads this).
    pub fn has_room(&self) -> bool {
        self.depth().bytes < self.inner.config.max_bytes
    }

    /// This instance's folder (inside `SPOOL_DIR`).
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The segments ready to drain, oldest first (sealing the one being appended to when
    /// there is no other).
    async fn sealed_segments(&self) -> Result<Vec<SegmentId>, SpoolError> {
        self.ask(|reply| Command::Sealed { reply }).await
    }

    /// The bytes of a sealed segment.
    async fn read(&self, id: SegmentId) -> Result<Vec<u8>, SpoolError> {
        let path = id.path(&self.inner.dir);
        tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(io::Error::other)
            .and_then(|read| read)
            .map_err(|error| SpoolError::Unwritable(Arc::new(error)))
    }

    /// Deletes a drained segment.
    async fn remove(&self, id: SegmentId) -> Result<(), SpoolError> {
        self.ask(|reply| Command::Remove { id, reply }).await
    }

    /// Resolves after the next durable append.
    async fn appended(&self) {
        self.inner.shared.appended.notified().await;
    }

    fn metrics(&self) -> &SpoolMetrics {
        &self.inner.shared.metrics
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(writer::Reply<T>) -> Command,
    ) -> Result<T, SpoolError> {
        let stopped = || SpoolError::Unwritable(Arc::new(io::Error::other("spool writer ended")));
        let (reply, answer) = oneshot::channel();
        let commands = self.inner.commands.as_ref().ok_or_else(stopped)?;
        commands.send(command(reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for Inner {
    /// Ends the writer thread before the lock is released, so that a spool reopened right
    /// after never meets a writer still at work.
    fn drop(&mut self) {
        self.commands.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("dir", &self.inner.dir)
            .field("depth", &self.depth())
            .finish()
    }
}
