//! The spool's drainer: moves spooled deliveries into the event store through group commit
//! (the same statement as a delivery), oldest segment first and in order within a segment,
//! and deletes a segment once every record in it is stored or quarantined.
//!
//! Exactly once: a record is stored at most once because its event key is stable (a record
//! drained again after a crash, or after a delete lost to a power loss, is a `Duplicate`,
//! never applied twice), and at least once because a segment is deleted only after all its
//! records are stored (or durably quarantined). When the database cannot take a record, the
//! drainer backs off and tries that same record again, so order is kept; a record the
//! database refuses for good (`QUARANTINE_AFTER` refusals of its data in a row) is moved
//! aside into the quarantine, so one record cannot stop the spool.

use std::time::Duration;

use bytes::Bytes;

use super::payload::{entries, Entry, SpooledDelivery};
use super::record::Damage;
use super::{SegmentId, Spool, SpoolError};
use crate::processing::group_commit::GroupCommit;
use crate::processing::parsed_delivery::ParsedDelivery;
use crate::processing::{Outcome, StoreFailure};
use crate::shutdown::StopSignal;

/// First pause after the database refused a record; doubled up to `LONGEST_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const LONGEST_BACKOFF: Duration = Duration::from_secs(5);
/// An idle drainer wakes on every append, and at least this often.
const IDLE_POLL: Duration = Duration::from_secs(10);
/// Refusals of one record's data in a row after which it is quarantined (with the backoff,
/// a few seconds: long enough for a passing conflict, short enough not to hold the spool).
pub const QUARANTINE_AFTER: u32 = 5;

/// Why a pass stopped before the spool was empty; the next pass resumes at the same record.
#[derive(Debug, thiserror::Error)]
pub enum DrainError {
    #[error("a spooled record could not be stored: {0}")]
    NotStored(#[from] StoreFailure),
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Records stored (duplicates included).
    pub records: u64,
    /// Damaged records skipped.
    pub damaged: u64,
    /// Records the database refused for good, moved into the quarantine.
    pub quarantined: u64,
    /// Segments deleted.
    pub segments: u64,
}

/// Drains one spool through one group commit.
pub struct Drainer {
    spool: Spool,
    group_commit: GroupCommit,
    /// Where an interrupted pass stopped (segment, entry index): the next pass skips what is
    /// stored already instead of storing it again as duplicates. In memory only: after a
    /// restart, segments are drained from their start (safe, see the module comment).
    resume: Option<(SegmentId, usize)>,
    /// Refusals in a row of the record at `resume`.
    refusals: u32,
}

impl Drainer {
    pub fn new(spool: Spool, group_commit: GroupCommit) -> Self {
        Self {
            spool,
            group_commit,
            resume: None,
            refusals: 0,
        }
    }

    /// One pass: stores every record of every segment sealed now (sealing the segment being
    /// appended to when no other is), deleting each segment once it is done.
    pub async fn drain(&mut self) -> Result<Drained, DrainError> {
        let mut drained = Drained::default();
        for id in self.spool.sealed_segments().await? {
            let bytes = self.spool.read(id).await?;
            let skip = match self.resume {
                Some((segment, index)) if segment == id => index,
                _ => 0,
            };
            for (index, entry) in entries(&bytes).enumerate().skip(skip) {
                if self.resume != Some((id, index)) {
                    self.resume = Some((id, index));
                    self.refusals = 0;
                }
                match entry {
                    Entry::Delivery { offset, spooled } => {
                        match self.store(id, offset, &spooled).await {
                            Ok(()) => drained.records += 1,
                            Err(failure) => {
                                self.set_aside(id, offset, &spooled, failure).await?;
                                drained.quarantined += 1;
                            }
                        }
                    }
                    Entry::Damaged { offset, len, kind } => {
                        self.report(id, offset, len, kind);
                        drained.damaged += 1;
                    }
                }
            }
            self.resume = Some((id, usize::MAX));
            self.spool.remove(id).await?;
            self.resume = None;
            tracing::info!(segment = %id, "spool: segment drained and deleted");
            drained.segments += 1;
        }
        Ok(drained)
    }

    async fn store(
        &self,
        id: SegmentId,
        offset: usize,
        spooled: &SpooledDelivery,
    ) -> Result<(), StoreFailure> {
        let source = spooled.source;
        let body = Bytes::copy_from_slice(&spooled.body);
        let delivery = ParsedDelivery::parse(source, &spooled.delivery, body);
        let outcome = self.group_commit.submit(delivery).await?;
        self.spool.metrics().drained.inc();
        tracing::debug!(
            segment = %id,
            offset,
            source = source.as_str(),
            duplicate = matches!(outcome, Outcome::Duplicate(_)),
            "spool: record stored"
        );
        Ok(())
    }

    /// A record the database did not take: quarantined once its data has been refused
    /// `QUARANTINE_AFTER` times in a row; otherwise the pass stops, to try it again.
    async fn set_aside(
        &mut self,
        id: SegmentId,
        offset: usize,
        spooled: &SpooledDelivery,
        failure: StoreFailure,
    ) -> Result<(), DrainError> {
        let Some(reason) = failure.refusal() else {
            return Err(failure.into());
        };
        self.refusals += 1;
        if self.refusals < QUARANTINE_AFTER {
            return Err(failure.into());
        }
        self.spool.quarantine(id, offset, spooled, &reason).await?;
        tracing::error!(
            segment = %id,
            offset,
            source = spooled.source.as_str(),
            webhook_id = %spooled.delivery.webhook_id,
            reason,
            "spool: the database refuses this record for good; quarantined, draining on"
        );
        Ok(())
    }

    /// Drains the spools that instances no longer running left in `SPOOL_DIR` (several
    /// `serve` on one data folder; never on Fly, where each machine has its own volume) into
    /// this drainer's database.
    pub async fn drain_orphans(&self) -> Result<Drained, DrainError> {
        let mut total = Drained::default();
        for orphan in self.spool.orphans().await {
            tracing::info!(
                folder = %orphan.dir().display(),
                records = orphan.depth().records,
                "spool: draining the spool of an instance no longer running"
            );
            let mut drainer = Drainer::new(orphan, self.group_commit.clone());
            let drained = drainer.drain().await?;
            total.records += drained.records;
            total.damaged += drained.damaged;
            total.quarantined += drained.quarantined;
            total.segments += drained.segments;
        }
        Ok(total)
    }

    /// One line and one count per damaged record; nothing of its content.
    fn report(&self, id: SegmentId, offset: usize, len: usize, kind: Damage) {
        tracing::warn!(
            segment = %id,
            offset,
            bytes = len,
            kind = kind.as_str(),
            "spool: damaged record skipped"
        );
        let labels = crate::metrics::DamageLabels {
            kind: kind.as_str(),
        };
        self.spool.metrics().damaged.get_or_create(&labels).inc();
    }
}

/// The drainer's loop, run as one of the composition root's background tasks: drains
/// whenever something was appended (or every `IDLE_POLL`), backs off while the database
/// cannot take records, and returns promptly once `stop` fires (a record being stored then is
/// rolled back or committed; either way a later drain is correct).
pub async fn run(spool: Spool, group_commit: GroupCommit, mut stop: StopSignal) {
    let mut drainer = Drainer::new(spool.clone(), group_commit);
    let mut backoff = FIRST_BACKOFF;
    let mut stalled = false;
    tracing::debug!(depth = ?spool.depth(), "spool drainer started");
    while !stop.is_stopped() {
        let pause = tokio::select! {
            drained = drainer.drain() => match drained {
                Ok(_) => {
                    if std::mem::take(&mut stalled) {
                        tracing::info!("spool: draining again");
                    }
                    backoff = FIRST_BACKOFF;
                    None
                }
                Err(error) => {
                    if !std::mem::replace(&mut stalled, true) {
                        tracing::warn!(%error, "spool: cannot drain now; retrying with backoff");
                    }
                    let pause = backoff;
                    backoff = (backoff * 2).min(LONGEST_BACKOFF);
                    Some(pause)
                }
            },
            _ = stop.stopped() => break,
        };
        let wait = async {
            match pause {
                Some(pause) => tokio::time::sleep(pause).await,
                // More was appended while this pass ran: go on at once.
                None if spool.depth().bytes > 0 => {}
                None => {
                    // Idle: a good time to take over what a stopped instance left.
                    if let Err(error) = drainer.drain_orphans().await {
                        tracing::debug!(%error, "spool: cannot drain another instance's spool now");
                    }
                    let _ = tokio::time::timeout(IDLE_POLL, spool.appended()).await;
                }
            }
        };
        tokio::select! {
            _ = wait => {}
            _ = stop.stopped() => break,
        }
    }
    tracing::debug!("spool drainer stopped");
}
