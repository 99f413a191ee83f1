//! The spool's quarantine: a record the database refuses for good (the same refusal
//! `QUARANTINE_AFTER` times) is moved aside so the drainer can move on. It is kept, never
//! dropped: one file per record in `quarantine/` inside the instance folder, listed by the
//! admin API and replayable once the cause is fixed.
//!
//! A file is the record's framed payload (as in a segment) followed by a framed UTF-8 reason
//! (a SQLSTATE, never a message: it could quote the row), written to a temporary name, synced
//! and renamed, so a crash leaves either the whole file or none (the record is then still in
//! its segment, which is deleted only after the file is durable).

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::payload::{decode, encode, SpooledDelivery};
use super::record::{frame, scan, Scanned};
use super::segments::{sync_dir, SegmentId};
use super::{Spool, SpoolError};

const FOLDER: &str = "quarantine";
const EXTENSION: &str = "rec";

/// A quarantined record, as the admin API lists it (no body: it holds personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The record's name: its segment and offset, `NNNNNNNNNNNNNNNNNNNN-NNNNNNNNNNNN`.
    pub name: String,
    pub source: &'static str,
    pub webhook_id: String,
    /// `webhook-timestamp`, unix seconds.
    pub timestamp: i64,
    /// Bytes of the body.
    pub body_bytes: usize,
    /// Why the database refused it.
    pub reason: String,
}

impl Spool {
    /// Moves the record at `offset` of `segment` aside, durably, with the database's `reason`.
    pub(super) async fn quarantine(
        &self,
        segment: SegmentId,
        offset: usize,
        spooled: &SpooledDelivery,
        reason: &str,
    ) -> Result<(), SpoolError> {
        let frames = encode(spooled.source, &spooled.delivery, &spooled.body)
            .and_then(|payload| frame(&payload))
            .zip(frame(reason.as_bytes()))
            .ok_or(SpoolError::Full)?;
        let folder = self.quarantine_dir();
        let name = format!("{segment}-{offset:012}");
        blocking(move || {
            std::fs::create_dir_all(&folder)?;
            let temporary = folder.join(format!("{name}.tmp"));
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&frames.0)?;
            file.write_all(&frames.1)?;
            file.sync_all()?;
            std::fs::rename(&temporary, folder.join(format!("{name}.{EXTENSION}")))?;
            sync_dir(&folder)
        })
        .await?;
        self.metrics().quarantined.inc();
        Ok(())
    }

    /// Every quarantined record, oldest first.
    pub async fn quarantined(&self) -> Result<Vec<Quarantined>, SpoolError> {
        let folder = self.quarantine_dir();
        blocking(move || {
            let mut names: Vec<String> = match std::fs::read_dir(&folder) {
                Ok(entries) => entries
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .filter_map(|file| Some(file.strip_suffix(".rec")?.to_owned()))
                    .filter(|name| valid_name(name))
                    .collect(),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(error) => return Err(error),
            };
            names.sort();
            Ok(names
                .into_iter()
                .filter_map(|name| {
                    let bytes = std::fs::read(file_of(&folder, &name)).ok()?;
                    let (spooled, reason) = read(&bytes)?;
                    Some(Quarantined {
                        source: spooled.source.as_str(),
                        webhook_id: spooled.delivery.webhook_id,
                        timestamp: spooled.delivery.timestamp,
                        body_bytes: spooled.body.len(),
                        reason,
                        name,
                    })
                })
                .collect())
        })
        .await
    }

    /// The quarantined record `name`, if there is one.
    pub async fn quarantined_record(
        &self,
        name: &str,
    ) -> Result<Option<SpooledDelivery>, SpoolError> {
        if !valid_name(name) {
            return Ok(None);
        }
        let path = file_of(&self.quarantine_dir(), name);
        blocking(move || match std::fs::read(path) {
            Ok(bytes) => Ok(read(&bytes).map(|(spooled, _)| spooled)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        })
        .await
    }

    /// Deletes the quarantined record `name` (once it is stored).
    pub async fn release(&self, name: &str) -> Result<(), SpoolError> {
        if !valid_name(name) {
            return Ok(());
        }
        let folder = self.quarantine_dir();
        let path = file_of(&folder, name);
        blocking(move || {
            std::fs::remove_file(path)?;
            sync_dir(&folder)
        })
        .await
    }

    fn quarantine_dir(&self) -> PathBuf {
        self.dir().join(FOLDER)
    }
}

/// The record and the reason a quarantine file holds; `None` when it is damaged.
fn read(bytes: &[u8]) -> Option<(SpooledDelivery, String)> {
    let mut records = scan(bytes).filter_map(|scanned| match scanned {
        Scanned::Record { payload, .. } => Some(payload),
        Scanned::Damaged { .. } => None,
    });
    let spooled = decode(records.next()?).ok()?;
    let reason = String::from_utf8_lossy(records.next()?).into_owned();
    Some((spooled, reason))
}

/// Names this module writes, and nothing else (no path can be smuggled in).
fn valid_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let digits = |part: Option<&str>, len: usize| {
        part.is_some_and(|part| part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
    };
    digits(parts.next(), 20) && digits(parts.next(), 12) && parts.next().is_none()
}

fn file_of(folder: &Path, name: &str) -> PathBuf {
    folder.join(format!("{name}.{EXTENSION}"))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, SpoolError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)
        .and_then(|done| done)
        .map_err(|error| SpoolError::Unwritable(Arc::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_quarantine_writes_are_valid() {
        assert!(valid_name("00000000000000000001-000000000042"));
        for bad in [
            "",
            "../00000000000000000001-000000000042",
            "00000000000000000001-000000000042-1",
            "0000000000000000001-000000000042",
            "00000000000000000001_000000000042",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
