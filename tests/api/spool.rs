//! The spool's drainer against a real database: spooled deliveries reach the event store and
//! `public.users` in order, exactly once, and their segments are deleted afterwards.

use std::path::{Path, PathBuf};
use std::time::Duration;

use auth_mirror::config::SpoolConfig;
use auth_mirror::domain::Source;
use auth_mirror::metrics::SpoolMetrics;
use auth_mirror::processing::schedule::RetrySchedule;
use auth_mirror::processing::spool::drainer::{self, Drained, Drainer};
use auth_mirror::processing::spool::Spool;
use auth_mirror::shutdown::BackgroundTasks;
use auth_mirror::webhook::VerifiedDelivery;
use uuid::Uuid;

use crate::helpers::{mirror_row, unix_now, Setup, TestDatabase};
use crate::payloads::{auth_row, db_event, hook, hook_user};

const T1: &str = "2024-05-01T10:00:00.123456+00:00";
const T2: &str = "2024-05-02T10:00:00+00:00";

/// Three deliveries about one user, as the webhook handler would have spooled them: a
/// signup by Auth Hook, then an insert and an email change by database webhook.
fn deliveries(id: Uuid) -> Vec<(Source, VerifiedDelivery, Vec<u8>)> {
    let hook_user = hook_user(id, "ada@example.com", "2024-05-01T10:00:00.123456Z");
    let bodies = [
        (
            Source::AuthHook,
            hook("after-user-created", Uuid::new_v4(), hook_user),
        ),
        (
            Source::DbWebhook,
            db_event(
                "INSERT",
                Some(auth_row(id, Some("ada@example.com"), T1)),
                None,
            ),
        ),
        (
            Source::DbWebhook,
            db_event(
                "UPDATE",
                Some(auth_row(id, Some("countess@example.com"), T2)),
                Some(auth_row(id, Some("ada@example.com"), T1)),
            ),
        ),
    ];
    bodies
        .into_iter()
        .enumerate()
        .map(|(n, (source, body))| {
            let delivery = VerifiedDelivery {
                webhook_id: format!("msg_spooled_{n}"),
                timestamp: unix_now(),
            };
            (source, delivery, body)
        })
        .collect()
}

fn spool_config(parent: &Path) -> SpoolConfig {
    SpoolConfig::new(None, parent, SpoolConfig::DEFAULT_MAX_BYTES)
}

async fn spooled(config: &SpoolConfig, id: Uuid) -> Spool {
    let spool = Spool::open(config, SpoolMetrics::default()).expect("the spool opens");
    for (source, delivery, body) in deliveries(id) {
        spool
            .append(source, &delivery, &body)
            .await
            .expect("append");
    }
    spool
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    files.sort();
    files
}

/// Stored events as (source, webhook_id, status), in the order they were stored.
async fn stored(database: &TestDatabase) -> Vec<(String, String, String)> {
    sqlx::query_as("select source, webhook_id, status from auth_mirror.events order by id")
        .fetch_all(&database.pool)
        .await
        .unwrap()
}

fn in_spool_order() -> Vec<(String, String, String)> {
    [("auth_hook", 0), ("db_webhook", 1), ("db_webhook", 2)]
        .map(|(source, n)| (source.into(), format!("msg_spooled_{n}"), "applied".into()))
        .into()
}

#[tokio::test]
async fn spooled_deliveries_are_stored_in_order_applied_and_their_segment_deleted() {
    let database = TestDatabase::create(Setup::default()).await;
    let parent = tempfile::tempdir().unwrap();
    let config = spool_config(parent.path());
    let id = Uuid::new_v4();
    let spool = spooled(&config, id).await;
    assert_eq!(segment_files(&config.dir).len(), 1);

    let drained = Drainer::new(
        spool.clone(),
        database.pool.clone(),
        RetrySchedule::default(),
    )
    .drain()
    .await
    .expect("the database takes the records");

    assert_eq!(
        drained,
        Drained {
            records: 3,
            damaged: 0,
            segments: 1
        }
    );
    assert_eq!(stored(&database).await, in_spool_order());
    let row = mirror_row(&database.pool, id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("countess@example.com"));
    assert!(segment_files(&config.dir).is_empty());
    assert_eq!(spool.depth().records, 0);
    assert_eq!(spool.depth().bytes, 0);
}

#[tokio::test]
async fn a_segment_drained_again_after_a_crash_is_stored_once() {
    let database = TestDatabase::create(Setup::default()).await;
    let parent = tempfile::tempdir().unwrap();
    let config = spool_config(parent.path());
    let id = Uuid::new_v4();
    let spool = spooled(&config, id).await;
    let segment = segment_files(&config.dir).remove(0);
    let copy = std::fs::read(&segment).unwrap();
    Drainer::new(
        spool.clone(),
        database.pool.clone(),
        RetrySchedule::default(),
    )
    .drain()
    .await
    .unwrap();
    let row_after_first_drain = mirror_row(&database.pool, id).await;
    // A crash after the records were stored but before the segment's deletion was durable.
    drop(spool);
    std::fs::write(&segment, &copy).unwrap();

    let metrics = SpoolMetrics::default();
    let reopened = Spool::open(&config, metrics.clone()).unwrap();
    assert_eq!(reopened.depth().records, 3);
    let drained = Drainer::new(
        reopened.clone(),
        database.pool.clone(),
        RetrySchedule::default(),
    )
    .drain()
    .await
    .unwrap();

    assert_eq!(drained.records, 3);
    assert_eq!(metrics.drained.get(), 3);
    assert_eq!(stored(&database).await, in_spool_order());
    assert_eq!(mirror_row(&database.pool, id).await, row_after_first_drain);
    assert!(segment_files(&config.dir).is_empty());
}

#[tokio::test]
async fn while_the_database_refuses_the_records_stay_and_are_drained_later_in_order() {
    let database = TestDatabase::create(Setup::default()).await;
    let parent = tempfile::tempdir().unwrap();
    let config = spool_config(parent.path());
    let id = Uuid::new_v4();
    let spool = spooled(&config, id).await;
    let unreachable =
        auth_mirror::store::pool::connect_lazy("postgres://nobody@127.0.0.1:1/x".parse().unwrap());
    let mut drainer = Drainer::new(spool.clone(), unreachable, RetrySchedule::default());

    let refused = drainer.drain().await;

    assert!(
        matches!(refused, Err(drainer::DrainError::NotStored(_))),
        "{refused:?}"
    );
    assert_eq!(spool.depth().records, 3);
    assert_eq!(segment_files(&config.dir).len(), 1);
    assert!(stored(&database).await.is_empty());

    Drainer::new(
        spool.clone(),
        database.pool.clone(),
        RetrySchedule::default(),
    )
    .drain()
    .await
    .unwrap();
    assert_eq!(stored(&database).await, in_spool_order());
    assert_eq!(spool.depth().records, 0);
}

#[tokio::test]
async fn the_drainer_task_drains_what_is_appended_while_it_runs_and_stops_when_asked() {
    let database = TestDatabase::create(Setup::default()).await;
    let parent = tempfile::tempdir().unwrap();
    let config = spool_config(parent.path());
    let spool = Spool::open(&config, SpoolMetrics::default()).unwrap();
    let mut tasks = BackgroundTasks::default();
    let (task_spool, pool) = (spool.clone(), database.pool.clone());
    tasks.spawn("spool", move |stop| {
        drainer::run(task_spool, pool, RetrySchedule::default(), stop)
    });
    let id = Uuid::new_v4();

    for (source, delivery, body) in deliveries(id) {
        spool.append(source, &delivery, &body).await.unwrap();
    }

    // The drainer is woken by the appends; bounded wait, no timing asserted.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stored(&database).await.len() < 3 || spool.depth().bytes > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not drained in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let aborted = tasks
        .stop(tokio::time::Instant::now() + Duration::from_secs(5))
        .await;
    assert!(aborted.is_empty(), "{aborted:?}");
    assert_eq!(stored(&database).await, in_spool_order());
    assert!(segment_files(&config.dir).is_empty());
}
