//! The intake without HTTP, against a real database: a verified delivery is stored, or, when
//! the database does not take it within the deadline, spooled, or, when the spool cannot take
//! it either, refused (a `before-user-created` hook is then allowed unrecorded).

use std::sync::Arc;
use std::time::Duration;

use auth_mirror::config::SpoolConfig;
use auth_mirror::domain::MirrorEffect;
use auth_mirror::domain::Source;
use auth_mirror::metrics::{Metrics, SpoolMetrics};
use auth_mirror::processing::group_commit;
use auth_mirror::processing::intake::{Intake, Received};
use auth_mirror::processing::spool::Spool;
use auth_mirror::processing::Outcome;
use auth_mirror::shutdown::BackgroundTasks;
use auth_mirror::store;
use auth_mirror::webhook::VerifiedDelivery;
use bytes::Bytes;
use uuid::Uuid;

use crate::helpers::{start_group_commit, unix_now, Setup, TestDatabase};
use crate::payloads::{hook, hook_user};

const DEADLINE: Duration = Duration::from_millis(300);

/// An intake on a fresh database, its group commit's writers running.
struct Fixture {
    database: TestDatabase,
    intake: Intake,
    spool: Spool,
    metrics: Arc<Metrics>,
    tasks: Option<BackgroundTasks>,
    _spool_dir: tempfile::TempDir,
}

impl Fixture {
    /// `spool_max_bytes`: 0 makes every append fail (a full spool).
    async fn new(spool_max_bytes: u64) -> Self {
        let database = TestDatabase::create(Setup::default()).await;
        let writers_pool = database.pool.clone();
        Self::writing_to(database, writers_pool, spool_max_bytes)
    }

    /// An intake whose writers' database is down: nothing listens where they connect.
    async fn during_an_outage() -> Self {
        let database = TestDatabase::create(Setup::default()).await;
        let down = sqlx::PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/down").unwrap();
        Self::writing_to(database, down, SpoolConfig::DEFAULT_MAX_BYTES)
    }

    fn writing_to(database: TestDatabase, writers: sqlx::PgPool, spool_max_bytes: u64) -> Self {
        let spool_dir = tempfile::tempdir().unwrap();
        let config = SpoolConfig::new(None, spool_dir.path(), spool_max_bytes);
        let spool = Spool::open(&config, SpoolMetrics::default()).expect("the spool opens");
        let metrics = Arc::new(Metrics::default());
        let writers_pool = store::pool::for_deliveries(&writers, group_commit::WRITERS, DEADLINE);
        let mut tasks = BackgroundTasks::default();
        let group_commit = start_group_commit(writers_pool, metrics.clone(), &mut tasks);
        let intake = Intake::new(group_commit, spool.clone(), DEADLINE, metrics.clone());
        Self {
            database,
            intake,
            spool,
            metrics,
            tasks: Some(tasks),
            _spool_dir: spool_dir,
        }
    }

    /// How many deliveries were handed to the database (the apply-time histogram's count).
    fn tried_on_the_database(&self) -> u64 {
        let text = self.metrics.render();
        let prefix = "auth_mirror_apply_duration_seconds_count{source=\"auth_hook\"} ";
        text.lines()
            .find_map(|line| line.strip_prefix(prefix))
            .map_or(0, |count| count.parse().expect("a count"))
    }

    async fn receive(&self, body: Vec<u8>) -> Received {
        let verified = VerifiedDelivery {
            webhook_id: format!("msg_{}", Uuid::new_v4()),
            timestamp: unix_now(),
        };
        self.intake
            .receive(Source::AuthHook, &verified, Bytes::from(body))
            .await
    }

    /// Holds an exclusive lock on the event store (a long migration, `VACUUM FULL`) until
    /// the transaction ends: nothing can be stored meanwhile.
    async fn lock_events(&self) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut lock = self.database.pool.begin().await.unwrap();
        sqlx::query("lock table auth_mirror.events in access exclusive mode")
            .execute(&mut *lock)
            .await
            .unwrap();
        lock
    }

    async fn stored_events(&self) -> i64 {
        sqlx::query_scalar("select count(*) from auth_mirror.events")
            .fetch_one(&self.database.pool)
            .await
            .unwrap()
    }

    async fn stop(mut self) {
        let tasks = self.tasks.take().unwrap();
        let aborted = tasks
            .stop(tokio::time::Instant::now() + Duration::from_secs(5))
            .await;
        assert!(aborted.is_empty(), "{aborted:?}");
    }
}

fn signup() -> Vec<u8> {
    let user = hook_user(Uuid::new_v4(), "ada@example.org", "2024-05-01T10:00:00Z");
    hook("after-user-created", Uuid::new_v4(), user)
}

fn before_signup() -> Vec<u8> {
    let user = hook_user(Uuid::new_v4(), "ada@example.org", "0001-01-01T00:00:00Z");
    hook("before-user-created", Uuid::new_v4(), user)
}

#[tokio::test]
async fn a_delivery_is_stored_with_what_it_came_to_and_its_repeat_is_a_duplicate() {
    let fixture = Fixture::new(SpoolConfig::DEFAULT_MAX_BYTES).await;
    let body = signup();

    let first = fixture.receive(body.clone()).await;
    let again = fixture.receive(body).await;

    let inserted = Outcome::Mirrored(MirrorEffect::Inserted);
    assert_eq!(first, Received::Stored(inserted.clone()));
    assert_eq!(
        again,
        Received::Stored(Outcome::Duplicate(Box::new(inserted.clone())))
    );
    assert_eq!(again.answer(), Some(&inserted));
    assert_eq!(fixture.stored_events().await, 1);
    assert_eq!(fixture.spool.depth().records, 0);
    fixture.stop().await;
}

#[tokio::test]
async fn a_delivery_the_database_does_not_take_within_the_deadline_is_spooled() {
    let fixture = Fixture::new(SpoolConfig::DEFAULT_MAX_BYTES).await;
    let lock = fixture.lock_events().await;

    let received = fixture.receive(signup()).await;

    assert_eq!(received, Received::Spooled(Outcome::Spooled));
    assert_eq!(received.label(), "spooled");
    assert_eq!(fixture.spool.depth().records, 1);
    lock.rollback().await.unwrap();
    fixture.stop().await;
}

#[tokio::test]
async fn a_delivery_neither_stored_nor_spooled_is_refused() {
    let fixture = Fixture::new(0).await;
    let lock = fixture.lock_events().await;

    let received = fixture.receive(signup()).await;

    assert_eq!(received, Received::Refused);
    assert_eq!(received.answer(), None);
    lock.rollback().await.unwrap();
    fixture.stop().await;
}

#[tokio::test]
async fn a_before_user_created_hook_neither_stored_nor_spooled_is_allowed_unrecorded() {
    let fixture = Fixture::new(0).await;
    let lock = fixture.lock_events().await;

    let received = fixture.receive(before_signup()).await;

    assert_eq!(received, Received::AllowedUnrecorded);
    assert_eq!(received.answer(), Some(&Outcome::Allowed));
    lock.rollback().await.unwrap();
    fixture.stop().await;
}

/// During an outage the pool retries a refused connection until it times out: without the
/// pause, every delivery would wait that long before being spooled.
#[tokio::test]
async fn after_one_delivery_finds_the_database_unreachable_the_next_are_spooled_without_trying_it()
{
    let fixture = Fixture::during_an_outage().await;

    let first = fixture.receive(signup()).await;
    let tried_by_the_first = fixture.tried_on_the_database();
    let mut next = Vec::new();
    for _ in 0..5 {
        next.push(fixture.receive(signup()).await);
    }

    assert_eq!(first, Received::Spooled(Outcome::Spooled));
    assert_eq!(tried_by_the_first, 1);
    assert!(
        next.iter()
            .all(|received| *received == Received::Spooled(Outcome::Spooled)),
        "{next:?}"
    );
    assert_eq!(
        fixture.tried_on_the_database(),
        1,
        "only the first waited for the database"
    );
    assert_eq!(fixture.spool.depth().records, 6);

    // After the pause the database is tried again.
    tokio::time::sleep(auth_mirror::processing::intake::OUTAGE_PAUSE).await;
    assert_eq!(
        fixture.receive(signup()).await,
        Received::Spooled(Outcome::Spooled)
    );
    assert_eq!(fixture.tried_on_the_database(), 2);
    fixture.stop().await;
}

/// A locked table is not an outage: each delivery is tried (and may be stored once the lock
/// goes).
#[tokio::test]
async fn a_delivery_that_waited_out_a_lock_does_not_stop_the_next_from_trying_the_database() {
    let fixture = Fixture::new(SpoolConfig::DEFAULT_MAX_BYTES).await;
    let lock = fixture.lock_events().await;

    let during = fixture.receive(signup()).await;
    lock.rollback().await.unwrap();
    let after = fixture.receive(signup()).await;

    assert_eq!(during, Received::Spooled(Outcome::Spooled));
    assert_eq!(
        after,
        Received::Stored(Outcome::Mirrored(MirrorEffect::Inserted))
    );
    assert_eq!(fixture.tried_on_the_database(), 2);
    fixture.stop().await;
}
