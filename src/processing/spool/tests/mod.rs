//! The spool's tests: the record reader (examples and properties, pure) and the spool on a
//! real folder (`tempfile`).

mod files;
mod reader;

use std::path::Path;

use super::payload::{entries, Entry, SpooledDelivery};
use super::{Damage, Spool, SpoolError};
use crate::config::SpoolConfig;
use crate::domain::Source;
use crate::metrics::SpoolMetrics;
use crate::webhook::VerifiedDelivery;

/// The `n`th test delivery: alternating sources, its own id, timestamp and JSON body.
fn delivery(n: u32) -> SpooledDelivery {
    SpooledDelivery {
        source: [Source::AuthHook, Source::DbWebhook][n as usize % 2],
        delivery: VerifiedDelivery {
            webhook_id: format!("msg_{n:04}"),
            timestamp: 1_700_000_000 + i64::from(n),
        },
        body: format!(r#"{{"n":{n},"note":"ünïcode \u0000 and \"quotes\""}}"#).into_bytes(),
    }
}

/// A spool in `parent/spool` with small segments, so that a few records rotate.
fn config(parent: &Path) -> SpoolConfig {
    SpoolConfig {
        dir: parent.join("spool"),
        max_bytes: 1024 * 1024,
        segment_bytes: 512,
    }
}

fn open(config: &SpoolConfig) -> Spool {
    Spool::open(config, SpoolMetrics::default()).expect("the spool opens")
}

async fn append(spool: &Spool, spooled: &SpooledDelivery) -> Result<(), SpoolError> {
    spool
        .append(spooled.source, &spooled.delivery, &spooled.body)
        .await
}

/// The segment files of the first instance's folder in `spool_dir`, oldest first.
fn segment_files(spool_dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(spool_dir.join("0"))
        .expect("the spool folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    files.sort();
    files
}

/// The bytes one record of `spooled` takes on disk: header, fixed fields, id, body.
fn record_len(spooled: &SpooledDelivery) -> u64 {
    (12 + 12 + spooled.delivery.webhook_id.len() + spooled.body.len()) as u64
}

/// Everything the first instance's segments in `spool_dir` hold, read as the drainer reads
/// them.
fn read_back(spool_dir: &Path) -> (Vec<SpooledDelivery>, Vec<Damage>) {
    let mut deliveries = Vec::new();
    let mut damage = Vec::new();
    for file in segment_files(spool_dir) {
        let bytes = std::fs::read(file).expect("a segment");
        for entry in entries(&bytes) {
            match entry {
                Entry::Delivery { spooled, .. } => deliveries.push(spooled),
                Entry::Damaged { kind, .. } => damage.push(kind),
            }
        }
    }
    (deliveries, damage)
}
