//! The spool on a real folder: appends, rotation, reopening, the cap, an unwritable folder,
//! damage on disk, and the lock.

use std::sync::Arc;

use super::*;

#[tokio::test]
async fn appends_read_back_in_order_across_segment_rotation() {
    let parent = tempfile::tempdir().unwrap();
    // About three records a segment.
    let config = SpoolConfig {
        segment_bytes: 256,
        ..super::config(parent.path())
    };
    let spool = open(&config);
    let appended: Vec<SpooledDelivery> = (0..20).map(delivery).collect();

    for spooled in &appended {
        append(&spool, spooled).await.unwrap();
    }

    let segments = segment_files(&config.dir);
    assert!(segments.len() >= 4, "{} segments", segments.len());
    assert_eq!(read_back(&config.dir), (appended, vec![]));
    let on_disk: u64 = segments
        .iter()
        .map(|file| file.metadata().unwrap().len())
        .sum();
    assert_eq!(spool.depth().records, 20);
    assert_eq!(spool.depth().bytes, on_disk);
}

#[tokio::test]
async fn reopening_after_a_crash_keeps_every_appended_record_and_appends_to_a_new_segment() {
    let parent = tempfile::tempdir().unwrap();
    let config = config(parent.path());
    let before: Vec<SpooledDelivery> = (0..3).map(delivery).collect();
    let spool = open(&config);
    for spooled in &before {
        append(&spool, spooled).await.unwrap();
    }
    let first_segments = segment_files(&config.dir);
    // No clean shutdown: the handle is simply gone, as after kill -9 (every append was
    // synced before it was answered).
    drop(spool);

    let reopened = open(&config);
    let depth = reopened.depth();
    append(&reopened, &delivery(3)).await.unwrap();

    assert_eq!(depth.records, 3);
    let segments = segment_files(&config.dir);
    assert_eq!(segments.len(), first_segments.len() + 1);
    assert_eq!(segments[..first_segments.len()], first_segments[..]);
    let expected: Vec<SpooledDelivery> = (0..4).map(delivery).collect();
    assert_eq!(read_back(&config.dir), (expected, vec![]));
}

#[tokio::test]
async fn an_append_past_the_cap_is_refused_as_full_and_nothing_is_written() {
    let parent = tempfile::tempdir().unwrap();
    // Room for two and a half records (deliveries 0 to 9 take the same room).
    let one = record_len(&delivery(0));
    let config = SpoolConfig {
        max_bytes: one * 5 / 2,
        ..super::config(parent.path())
    };
    let spool = open(&config);
    append(&spool, &delivery(0)).await.unwrap();
    append(&spool, &delivery(1)).await.unwrap();
    let depth = spool.depth();

    let refused = append(&spool, &delivery(2)).await;

    assert!(matches!(refused, Err(SpoolError::Full)), "{refused:?}");
    assert_eq!(spool.depth(), depth);
    assert_eq!(depth.bytes, 2 * one);
    assert_eq!(read_back(&config.dir).0, [delivery(0), delivery(1)]);
}

#[tokio::test]
async fn an_unwritable_folder_refuses_appends_as_unwritable() {
    let parent = tempfile::tempdir().unwrap();
    let config = config(parent.path());
    let spool = open(&config);
    // A file where the folder was: no segment can be created there, even by root (which
    // permissions would not stop).
    std::fs::remove_dir_all(&config.dir).unwrap();
    std::fs::write(&config.dir, b"not a folder").unwrap();

    let refused = append(&spool, &delivery(0)).await;

    assert!(
        matches!(refused, Err(SpoolError::Unwritable(_))),
        "{refused:?}"
    );
    assert_eq!(spool.depth().records, 0);
}

#[test]
fn a_spool_folder_that_cannot_be_created_is_unwritable() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("spool"), b"a file").unwrap();

    let opened = Spool::open(&config(parent.path()), SpoolMetrics::default());

    assert!(
        matches!(opened, Err(SpoolError::Unwritable(_))),
        "{opened:?}"
    );
}

#[tokio::test]
async fn instances_sharing_a_spool_folder_each_take_a_folder_no_other_holds() {
    let parent = tempfile::tempdir().unwrap();
    let config = config(parent.path());
    let first = open(&config);
    let second = open(&config);
    append(&second, &delivery(1)).await.unwrap();

    assert_eq!(first.dir(), config.dir.join("0"));
    assert_eq!(second.dir(), config.dir.join("1"));
    assert_eq!(first.depth().records, 0);
    drop(first);
    let third = open(&config);
    assert_eq!(third.dir(), config.dir.join("0"));
}

#[tokio::test]
async fn a_stopped_instances_spool_is_offered_to_the_drainer_while_a_running_ones_is_not() {
    let parent = tempfile::tempdir().unwrap();
    let config = config(parent.path());
    let this = open(&config);
    let running = open(&config);
    let stopped = open(&config);
    append(&running, &delivery(1)).await.unwrap();
    append(&stopped, &delivery(2)).await.unwrap();
    drop(stopped);

    let orphans = this.orphans().await;

    let folders: Vec<&Path> = orphans.iter().map(Spool::dir).collect();
    assert_eq!(folders, [config.dir.join("2")]);
    assert_eq!(orphans[0].depth().records, 1);
}

/// Deliveries 0, 1 and 2 in one segment, the spool closed; the config and the segment.
async fn three_in_one_segment(parent: &Path) -> (SpoolConfig, std::path::PathBuf) {
    let config = SpoolConfig {
        segment_bytes: 1024 * 1024,
        ..super::config(parent)
    };
    let spool = open(&config);
    for n in 0..3 {
        append(&spool, &delivery(n)).await.unwrap();
    }
    drop(spool);
    let segment = segment_files(&config.dir).remove(0);
    (config, segment)
}

#[tokio::test]
async fn a_corrupt_record_on_disk_is_skipped_and_the_records_around_it_kept() {
    let parent = tempfile::tempdir().unwrap();
    let (config, segment) = three_in_one_segment(parent.path()).await;
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    bytes[middle + 1] ^= 0xFF;
    std::fs::write(&segment, &bytes).unwrap();

    let reopened = open(&config);

    assert_eq!(reopened.depth().records, 2);
    assert_eq!(
        read_back(&config.dir),
        (vec![delivery(0), delivery(2)], vec![Damage::Corrupt])
    );
}

#[tokio::test]
async fn a_truncated_tail_is_detected_and_the_earlier_records_kept() {
    let parent = tempfile::tempdir().unwrap();
    let (config, segment) = three_in_one_segment(parent.path()).await;
    let length = segment.metadata().unwrap().len();
    // Power lost in the middle of writing the last record.
    std::fs::File::options()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(length - 10)
        .unwrap();

    let reopened = open(&config);

    assert_eq!(reopened.depth().records, 2);
    assert_eq!(
        read_back(&config.dir),
        (vec![delivery(0), delivery(1)], vec![Damage::Truncated])
    );
}

#[tokio::test]
async fn concurrent_appends_are_all_durable_and_intact() {
    let parent = tempfile::tempdir().unwrap();
    let config = SpoolConfig {
        segment_bytes: 4096,
        ..super::config(parent.path())
    };
    let metrics = SpoolMetrics::default();
    let spool = Spool::open(&config, metrics.clone()).unwrap();

    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let spool = spool.clone();
            tokio::spawn(async move { append(&spool, &delivery(n)).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    drop(spool);

    let (mut read, damage) = read_back(&config.dir);
    read.sort_by_key(|spooled| spooled.delivery.timestamp);
    assert_eq!(read, (0..64).map(delivery).collect::<Vec<_>>());
    assert!(damage.is_empty(), "{damage:?}");
    assert_eq!(metrics.appended.get(), 64);
    assert_eq!(metrics.records.get(), 64);
}

#[tokio::test]
async fn clones_of_a_spool_share_it() {
    let parent = tempfile::tempdir().unwrap();
    let config = config(parent.path());
    let spool = Arc::new(open(&config));
    let clone = (*spool).clone();

    append(&clone, &delivery(0)).await.unwrap();
    drop(clone);
    append(&spool, &delivery(1)).await.unwrap();

    assert_eq!(spool.depth().records, 2);
}
