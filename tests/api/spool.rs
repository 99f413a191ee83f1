//! The spool's drainer against a real database: spooled deliveries reach the event store and
//! `public.users` in order, exactly once, and their segments are deleted afterwards.

use std::path::{Path, PathBuf};
use std::time::Duration;

use auth_mirror::config::SpoolConfig;
use auth_mirror::domain::Source;
use auth_mirror::metrics::SpoolMetrics;
use auth_mirror::processing::group_commit::GroupCommit;
use auth_mirror::processing::spool::drainer::{self, Drained, Drainer};
use auth_mirror::processing::spool::{replay_quarantined, QuarantineReplayError, Spool};
use auth_mirror::shutdown::BackgroundTasks;
use auth_mirror::webhook::VerifiedDelivery;
use uuid::Uuid;

use crate::helpers::{mirror_row, start_group_commit, unix_now, Setup, TestDatabase};
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

/// A fresh database and spool folder, and the user the deliveries are about.
struct Fixture {
    database: TestDatabase,
    config: SpoolConfig,
    id: Uuid,
    /// Group commit on the test database, as the drainer uses it in the app.
    group_commit: GroupCommit,
    _writers: BackgroundTasks,
    _parent: tempfile::TempDir,
}

impl Fixture {
    async fn new() -> Self {
        let parent = tempfile::tempdir().unwrap();
        let database = TestDatabase::create(Setup::default()).await;
        let mut writers = BackgroundTasks::default();
        let group_commit =
            start_group_commit(database.pool.clone(), Default::default(), &mut writers);
        Self {
            database,
            config: SpoolConfig::new(None, parent.path(), SpoolConfig::DEFAULT_MAX_BYTES),
            id: Uuid::new_v4(),
            group_commit,
            _writers: writers,
            _parent: parent,
        }
    }

    /// The spool, opened with `metrics`.
    fn open(&self, metrics: SpoolMetrics) -> Spool {
        Spool::open(&self.config, metrics).expect("the spool opens")
    }

    /// The spool with the three deliveries appended.
    async fn spooled(&self) -> Spool {
        let spool = self.open(SpoolMetrics::default());
        for (source, delivery, body) in deliveries(self.id) {
            spool
                .append(source, &delivery, &body)
                .await
                .expect("append");
        }
        spool
    }

    /// One drain pass into the test database.
    async fn drain(&self, spool: &Spool) -> Drained {
        Drainer::new(spool.clone(), self.group_commit.clone())
            .drain()
            .await
            .expect("the database takes the records")
    }

    /// The segment files of the first instance's folder.
    fn segment_files(&self) -> Vec<PathBuf> {
        segment_files(&self.config.dir.join("0"))
    }

    /// Stored events as (source, webhook_id, status), in the order they were stored.
    async fn stored(&self) -> Vec<(String, String, String)> {
        sqlx::query_as("select source, webhook_id, status from auth_mirror.events order by id")
            .fetch_all(&self.database.pool)
            .await
            .unwrap()
    }

    async fn email(&self) -> Option<String> {
        let row = mirror_row(&self.database.pool, self.id).await;
        row.expect("mirrored").email
    }
}

/// The segment files of one instance's folder, oldest first.
fn segment_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    files.sort();
    files
}

fn in_spool_order() -> Vec<(String, String, String)> {
    [("auth_hook", 0), ("db_webhook", 1), ("db_webhook", 2)]
        .map(|(source, n)| (source.into(), format!("msg_spooled_{n}"), "applied".into()))
        .into()
}

#[tokio::test]
async fn spooled_deliveries_are_stored_in_order_applied_and_their_segment_deleted() {
    let fixture = Fixture::new().await;
    let spool = fixture.spooled().await;
    assert_eq!(fixture.segment_files().len(), 1);

    let drained = fixture.drain(&spool).await;

    assert_eq!(
        drained,
        Drained {
            records: 3,
            damaged: 0,
            quarantined: 0,
            segments: 1
        }
    );
    assert_eq!(fixture.stored().await, in_spool_order());
    assert_eq!(
        fixture.email().await.as_deref(),
        Some("countess@example.com")
    );
    assert!(fixture.segment_files().is_empty());
    assert_eq!(spool.depth().records, 0);
    assert_eq!(spool.depth().bytes, 0);
}

#[tokio::test]
async fn a_segment_drained_again_after_a_crash_is_stored_once() {
    let fixture = Fixture::new().await;
    let spool = fixture.spooled().await;
    let segment = fixture.segment_files().remove(0);
    let copy = std::fs::read(&segment).unwrap();
    fixture.drain(&spool).await;
    let row_after_first_drain = mirror_row(&fixture.database.pool, fixture.id).await;
    // A crash after the records were stored but before the segment's deletion was durable.
    drop(spool);
    std::fs::write(&segment, &copy).unwrap();

    let metrics = SpoolMetrics::default();
    let reopened = fixture.open(metrics.clone());
    assert_eq!(reopened.depth().records, 3);
    let drained = fixture.drain(&reopened).await;

    assert_eq!(drained.records, 3);
    assert_eq!(metrics.drained.get(), 3);
    assert_eq!(fixture.stored().await, in_spool_order());
    let row = mirror_row(&fixture.database.pool, fixture.id).await;
    assert_eq!(row, row_after_first_drain);
    assert!(fixture.segment_files().is_empty());
}

#[tokio::test]
async fn while_the_database_refuses_the_records_stay_and_are_drained_later_in_order() {
    let fixture = Fixture::new().await;
    let spool = fixture.spooled().await;
    let unreachable =
        auth_mirror::store::pool::connect_lazy("postgres://nobody@127.0.0.1:1/x".parse().unwrap());
    let mut tasks = BackgroundTasks::default();
    let unreachable = start_group_commit(unreachable, Default::default(), &mut tasks);
    let mut drainer = Drainer::new(spool.clone(), unreachable);

    let refused = drainer.drain().await;

    assert!(
        matches!(refused, Err(drainer::DrainError::NotStored(_))),
        "{refused:?}"
    );
    assert_eq!(spool.depth().records, 3);
    assert_eq!(fixture.segment_files().len(), 1);
    assert!(fixture.stored().await.is_empty());
    fixture.drain(&spool).await;
    assert_eq!(fixture.stored().await, in_spool_order());
    assert_eq!(spool.depth().records, 0);
}

#[tokio::test]
async fn the_spool_a_stopped_instance_left_is_drained_by_another() {
    let fixture = Fixture::new().await;
    let this = fixture.open(SpoolMetrics::default());
    let stopped = fixture.spooled().await;
    let left = stopped.dir().to_owned();
    drop(stopped);

    let drained = Drainer::new(this, fixture.group_commit.clone())
        .drain_orphans()
        .await
        .unwrap();

    assert_eq!(drained.records, 3);
    assert_eq!(fixture.stored().await, in_spool_order());
    assert_eq!(left, fixture.config.dir.join("1"));
    assert!(segment_files(&left).is_empty());
}

#[tokio::test]
async fn the_drainer_task_drains_what_is_appended_while_it_runs_and_stops_when_asked() {
    let fixture = Fixture::new().await;
    let spool = fixture.open(SpoolMetrics::default());
    let mut tasks = BackgroundTasks::default();
    let (task_spool, group_commit) = (spool.clone(), fixture.group_commit.clone());
    tasks.spawn("spool", move |stop| {
        drainer::run(task_spool, group_commit, stop)
    });

    for (source, delivery, body) in deliveries(fixture.id) {
        spool.append(source, &delivery, &body).await.unwrap();
    }

    // The drainer is woken by the appends; bounded wait, no timing asserted.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while fixture.stored().await.len() < 3 || spool.depth().bytes > 0 {
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
    assert_eq!(fixture.stored().await, in_spool_order());
    assert!(fixture.segment_files().is_empty());
}

/// Makes the database refuse, for good, the record delivered with `webhook_id`.
async fn refuse(pool: &sqlx::PgPool, webhook_id: &str) {
    sqlx::query(&format!(
        "alter table auth_mirror.events add constraint refused \
         check (webhook_id <> '{webhook_id}') not valid"
    ))
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_record_the_database_refuses_for_good_is_quarantined_and_the_drainer_moves_on() {
    let fixture = Fixture::new().await;
    let spool = fixture.spooled().await;
    refuse(&fixture.database.pool, "msg_spooled_1").await;
    let mut drainer = Drainer::new(spool.clone(), fixture.group_commit.clone());

    // Refused, the record is tried again (order is kept) until it has been refused enough.
    for _ in 1..drainer::QUARANTINE_AFTER {
        let refused = drainer.drain().await;
        assert!(
            matches!(refused, Err(drainer::DrainError::NotStored(_))),
            "{refused:?}"
        );
    }
    let drained = drainer.drain().await.expect("the drainer moves on");

    assert_eq!(
        drained,
        Drained {
            records: 1,
            damaged: 0,
            quarantined: 1,
            segments: 1
        }
    );
    let stored: Vec<String> = fixture
        .stored()
        .await
        .into_iter()
        .map(|row| row.1)
        .collect();
    assert_eq!(stored, ["msg_spooled_0", "msg_spooled_2"]);
    assert!(fixture.segment_files().is_empty());
    let quarantined = spool.quarantined().await.unwrap();
    assert_eq!(quarantined.len(), 1, "{quarantined:?}");
    assert_eq!(quarantined[0].webhook_id, "msg_spooled_1");
    assert_eq!(quarantined[0].source, "db_webhook");
    assert!(quarantined[0].reason.contains("23514"), "{quarantined:?}");
}

#[tokio::test]
async fn a_quarantined_record_is_replayed_once_the_cause_is_fixed_and_kept_until_then() {
    let fixture = Fixture::new().await;
    let metrics = SpoolMetrics::default();
    let spool = fixture.open(metrics.clone());
    for (source, delivery, body) in deliveries(fixture.id) {
        spool.append(source, &delivery, &body).await.unwrap();
    }
    refuse(&fixture.database.pool, "msg_spooled_2").await;
    let mut drainer = Drainer::new(spool.clone(), fixture.group_commit.clone());
    while drainer.drain().await.is_err() {}
    let name = spool.quarantined().await.unwrap()[0].name.clone();
    assert_eq!(metrics.quarantined.get(), 1);

    let still_refused = replay_quarantined(&spool, &fixture.group_commit, &name).await;
    assert!(still_refused.is_err(), "{still_refused:?}");
    assert_eq!(spool.quarantined().await.unwrap().len(), 1);
    sqlx::query("alter table auth_mirror.events drop constraint refused")
        .execute(&fixture.database.pool)
        .await
        .unwrap();
    replay_quarantined(&spool, &fixture.group_commit, &name)
        .await
        .expect("stored once the cause is fixed");

    assert_eq!(fixture.stored().await.len(), 3);
    assert_eq!(
        fixture.email().await.as_deref(),
        Some("countess@example.com")
    );
    assert!(spool.quarantined().await.unwrap().is_empty());
    let unknown = replay_quarantined(&spool, &fixture.group_commit, &name).await;
    assert!(matches!(unknown, Err(QuarantineReplayError::NotFound)));
}
