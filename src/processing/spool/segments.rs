//! Segment files in the spool folder: their names, what is in them at start-up, and the
//! directory fsync that makes a created or deleted segment survive a power loss.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::record::{scan, Scanned};

const EXTENSION: &str = "seg";

/// A segment's number: segments are drained in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SegmentId(pub(super) u64);

impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:020}", self.0)
    }
}

impl SegmentId {
    /// The segment's file in `dir`: twenty digits, so names sort like numbers.
    pub(super) fn path(self, dir: &Path) -> PathBuf {
        dir.join(format!("{self}.{EXTENSION}"))
    }

    fn parse(name: &str) -> Option<Self> {
        let digits = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
        if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(Self)
    }
}

/// What one segment holds: intact records and bytes on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Contents {
    pub records: u64,
    pub bytes: u64,
}

/// Every segment in `dir` and what it holds, read in full (start-up only). Damage is not
/// reported here: the drainer reports it when it skips it.
pub(super) fn recover(dir: &Path) -> io::Result<BTreeMap<SegmentId, Contents>> {
    let mut segments = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(id) = entry.file_name().to_str().and_then(SegmentId::parse) else {
            continue;
        };
        let bytes = std::fs::read(entry.path())?;
        let records = scan(&bytes)
            .filter(|scanned| matches!(scanned, Scanned::Record { .. }))
            .count();
        let contents = Contents {
            records: records as u64,
            bytes: bytes.len() as u64,
        };
        segments.insert(id, contents);
    }
    Ok(segments)
}

/// Whether `dir` exists and holds a segment.
pub(super) fn any_in(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| {
        entries.any(|entry| {
            entry.is_ok_and(|entry| {
                let name = entry.file_name();
                name.to_str().and_then(SegmentId::parse).is_some()
            })
        })
    })
}

/// Makes the creation or removal of a file in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_sort_like_their_numbers_and_parse_back() {
        let names: Vec<String> = [9, 10, 1]
            .map(|n| SegmentId(n).path(Path::new("")).display().to_string())
            .into();
        let mut sorted = names.clone();
        sorted.sort();

        assert_eq!(sorted, [&*names[2], &*names[0], &*names[1]]);
        assert_eq!(names[2], "00000000000000000001.seg");
        assert_eq!(SegmentId::parse(&names[1]), Some(SegmentId(10)));
        assert_eq!(SegmentId::parse("1.seg"), None);
        assert_eq!(SegmentId::parse("00000000000000000001.seg.tmp"), None);
        assert_eq!(SegmentId::parse("spool.lock"), None);
    }
}
