//! The spool's one writer: a dedicated thread that owns the segment files. It appends records,
//! rotates segments, enforces the size cap, seals and removes segments for the drainer.
//!
//! A thread rather than `spawn_blocking` behind a mutex: appends queue on a channel instead of
//! parking one blocking-pool thread each, and every append waiting when the thread comes round
//! shares one `fdatasync` (group commit), which is what bounds throughput on a slow volume
//! during an outage, when every delivery is spooled.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::segments::{sync_dir, Contents, SegmentId};
use super::{Depth, Shared, SpoolError};

/// Commands handled between two fsyncs at most: bounds the wait of the first in a burst.
const MAX_BATCH: usize = 1024;

pub(super) type Reply<T> = oneshot::Sender<Result<T, SpoolError>>;

pub(super) enum Command {
    /// Append one framed record; answered once it is on disk.
    Append { frame: Vec<u8>, reply: Reply<()> },
    /// The segments ready to drain, oldest first; when there is none, the segment being
    /// appended to is sealed first (the next append starts a new one).
    Sealed { reply: Reply<Vec<SegmentId>> },
    /// Delete a sealed segment.
    Remove { id: SegmentId, reply: Reply<()> },
}

pub(super) struct Writer {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub segment_bytes: u64,
    /// Every segment on disk, the active one included.
    pub segments: BTreeMap<SegmentId, Contents>,
    pub next_id: u64,
    pub shared: Arc<Shared>,
    /// The segment appends go to. Segments found at start-up are never appended to: a torn
    /// record at their end stays the last thing in them.
    active: Option<(SegmentId, File)>,
    /// Appends written to the active segment but not yet synced.
    unsynced: Vec<Reply<()>>,
}

impl Writer {
    pub fn new(
        dir: PathBuf,
        max_bytes: u64,
        segment_bytes: u64,
        segments: BTreeMap<SegmentId, Contents>,
        shared: Arc<Shared>,
    ) -> Self {
        let next_id = segments.keys().next_back().map_or(1, |id| id.0 + 1);
        let writer = Self {
            dir,
            max_bytes,
            segment_bytes,
            segments,
            next_id,
            shared,
            active: None,
            unsynced: Vec::new(),
        };
        writer.publish_depth();
        writer
    }

    /// Serves commands until every `Spool` handle is gone.
    pub fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        while let Some(first) = commands.blocking_recv() {
            self.handle(first);
            // Group commit: what else is waiting already shares the next fsync.
            for _ in 1..MAX_BATCH {
                match commands.try_recv() {
                    Ok(command) => self.handle(command),
                    Err(_) => break,
                }
            }
            self.sync();
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Append { frame, reply } => {
                let written = self.write(&frame);
                self.publish_depth();
                match written {
                    Ok(()) => self.unsynced.push(reply),
                    Err(error) => {
                        let _ = reply.send(Err(error));
                    }
                }
            }
            Command::Sealed { reply } => {
                let _ = reply.send(Ok(self.sealed()));
            }
            Command::Remove { id, reply } => {
                let removed = self.remove(id);
                self.publish_depth();
                let _ = reply.send(removed);
            }
        }
    }

    fn write(&mut self, frame: &[u8]) -> Result<(), SpoolError> {
        let total: u64 = self.segments.values().map(|segment| segment.bytes).sum();
        if total + frame.len() as u64 > self.max_bytes {
            return Err(SpoolError::Full);
        }
        let full = match &self.active {
            Some((id, _)) => self.segments[id].bytes >= self.segment_bytes,
            None => true,
        };
        if full {
            self.rotate()?;
        }
        let (id, file) = self.active.as_mut().expect("an active segment");
        let id = *id;
        let contents = self.segments.get_mut(&id).expect("the active segment");
        let written = file.write_all(frame);
        match written {
            Ok(()) => {
                contents.records += 1;
                contents.bytes += frame.len() as u64;
                Ok(())
            }
            Err(error) => {
                // Part of the record may be on disk: readers skip it as damage. Nothing more is
                // appended to this segment.
                contents.bytes = file.metadata().map_or(contents.bytes, |m| m.len());
                tracing::warn!(%error, segment = %id, "spool: cannot append to the segment");
                self.sync();
                self.active = None;
                Err(unwritable(error))
            }
        }
    }

    /// Ends the active segment (its appends synced first) and starts the next one.
    fn rotate(&mut self) -> Result<(), SpoolError> {
        self.sync();
        self.active = None;
        let id = SegmentId(self.next_id);
        self.next_id += 1;
        let path = id.path(&self.dir);
        let file = File::options()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|error| {
                tracing::warn!(%error, segment = %id, "spool: cannot create a segment");
                unwritable(error)
            })?;
        self.segments.insert(id, Contents::default());
        // The new name must survive a power loss as surely as the records in the file.
        sync_dir(&self.dir).map_err(|error| {
            tracing::warn!(%error, "spool: cannot sync the spool folder");
            unwritable(error)
        })?;
        self.active = Some((id, file));
        Ok(())
    }

    /// Makes the appends written since the last sync durable, then answers them.
    fn sync(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        let replies = std::mem::take(&mut self.unsynced);
        let (id, file) = self
            .active
            .as_ref()
            .expect("unsynced appends have a segment");
        match file.sync_data() {
            Ok(()) => {
                self.shared.metrics.appended.inc_by(replies.len() as u64);
                for reply in replies {
                    let _ = reply.send(Ok(()));
                }
                self.shared.appended.notify_one();
            }
            Err(error) => {
                // After a failed fsync the kernel may have dropped the dirty pages: a second
                // fsync could "succeed" without them. So this segment takes no more appends,
                // and these are answered as not durable (the sender retries).
                tracing::warn!(%error, segment = %id, "spool: cannot sync the segment");
                let error = unwritable(error);
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
                self.active = None;
            }
        }
    }

    fn sealed(&mut self) -> Vec<SegmentId> {
        let active = self.active.as_ref().map(|(id, _)| *id);
        let mut sealed: Vec<SegmentId> = self
            .segments
            .keys()
            .copied()
            .filter(|id| Some(*id) != active)
            .collect();
        if sealed.is_empty() {
            if let Some(id) = active {
                self.sync();
                self.active = None;
                sealed.push(id);
            }
        }
        sealed
    }

    fn remove(&mut self, id: SegmentId) -> Result<(), SpoolError> {
        if self
            .active
            .as_ref()
            .is_some_and(|(active, _)| *active == id)
        {
            return Err(unwritable(io::Error::other(
                "the segment being appended to cannot be removed",
            )));
        }
        match std::fs::remove_file(id.path(&self.dir)) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(unwritable(error)),
        }
        // Should the removal be lost to a power loss, the segment is drained again: its
        // records are then duplicates, recognised by their event keys.
        sync_dir(&self.dir).map_err(unwritable)?;
        self.segments.remove(&id);
        Ok(())
    }

    fn publish_depth(&self) {
        let depth = self
            .segments
            .values()
            .fold(Depth::default(), |depth, segment| Depth {
                records: depth.records + segment.records,
                bytes: depth.bytes + segment.bytes,
            });
        self.shared.publish(depth);
    }
}

fn unwritable(error: io::Error) -> SpoolError {
    SpoolError::Unwritable(Arc::new(error))
}
