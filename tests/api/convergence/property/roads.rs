//! The roads an HTTP arrival takes into the mirror: straight in; refused by the database
//! first, then replayed through the admin API or retried by the app's retry worker; or
//! spooled while the event store is locked, then drained by the spool's drainer. Each of the
//! last three is counted when it really carried a state, so the property can fail a run that
//! never took one.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use proptest::test_runner::TestCaseError;

use super::scenario::Scenario;
use super::writers::Subject;
use crate::helpers::{TestApp, ADMIN_TOKEN};

/// `RETRY_SCHEDULE` of the property's app: short, so the retry road costs little; long
/// enough that a replay (sent at once) usually comes first; many steps, so an event is never
/// dead while its user is refused.
pub const SCHEDULE: &str = "50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms";

/// `DELIVERY_DEADLINE_MS` of the property's app: what a spooled arrival waits.
pub const DEADLINE: Duration = Duration::from_millis(500);

/// The longest the worker or the drainer may take to do what a case waits for.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Road {
    Direct,
    /// Refused by the database first (it may be stored `failed`), then replayed by the
    /// admin API.
    Replayed,
    /// Refused by the database first, then retried by the retry worker.
    Retried,
    /// Delivered while the event store is locked (spooled past the deadline), then drained.
    Spooled,
}

/// The road of the arrival at `place`: chosen from the scenario, so a failure reproduces.
/// The slower roads (the worker's schedule, the delivery deadline) are taken in some cases
/// only, to keep the run short.
pub fn road(scenario: &Scenario, place: usize) -> Road {
    let case = scenario.hook_nanos;
    match place % 3 {
        2 if case % 4 == 1 => Road::Retried,
        2 => Road::Replayed,
        0 if place == 0 && case % 16 == 0 => Road::Spooled,
        _ => Road::Direct,
    }
}

/// Arrivals that each road really carried (a refused one's first attempt failed; a spooled
/// one was in the spool).
static REPLAYS_APPLIED: AtomicU32 = AtomicU32::new(0);
static RETRIES_APPLIED: AtomicU32 = AtomicU32::new(0);
static SPOOLS_DRAINED: AtomicU32 = AtomicU32::new(0);

/// The roads no arrival of the run really took.
pub fn untaken() -> Vec<Road> {
    [
        (Road::Replayed, &REPLAYS_APPLIED),
        (Road::Retried, &RETRIES_APPLIED),
        (Road::Spooled, &SPOOLS_DRAINED),
    ]
    .into_iter()
    .filter(|(_, taken)| taken.load(Ordering::Relaxed) == 0)
    .map(|(road, _)| road)
    .collect()
}

/// Delivers `body` on `path` by `road`.
pub async fn deliver(
    app: &TestApp,
    subject: &Subject<'_>,
    road: Road,
    path: &str,
    body: &[u8],
) -> Result<(), TestCaseError> {
    match road {
        Road::Direct => post(app, path, body).await,
        Road::Replayed => match refused(app, subject, path, body).await? {
            Some(event) => replay(app, event).await,
            None => Ok(()),
        },
        Road::Retried => match refused(app, subject, path, body).await? {
            Some(event) => retried(app, event).await,
            None => Ok(()),
        },
        Road::Spooled => spooled(app, path, body).await,
    }
}

async fn post(app: &TestApp, path: &str, body: &[u8]) -> Result<(), TestCaseError> {
    let response = app.post_signed(path, body).await;
    proptest::prop_assert_eq!(response.status().as_u16(), 200, "{}", path);
    Ok(())
}

/// Delivers `body` while the database refuses the user's writes (an insert fails; an update
/// the rule skips does not); the user's latest event. Not for a user who is a tombstone
/// already (`None`, delivered plainly): a failed event of a deleted user has its payload
/// expunged and cannot be replayed or retried (by design).
async fn refused(
    app: &TestApp,
    subject: &Subject<'_>,
    path: &str,
    body: &[u8],
) -> Result<Option<i64>, TestCaseError> {
    let pool = &app.database.pool;
    let tombstone: bool = sqlx::query_scalar(
        "select exists (select 1 from public.users where id = $1 and deleted_at is not null)",
    )
    .bind(subject.id)
    .fetch_one(pool)
    .await
    .expect("read the mirror row");
    if tombstone {
        post(app, path, body).await?;
        return Ok(None);
    }
    let refuse = format!(
        "alter table public.users add constraint refused_in_property \
         check (id <> '{}') not valid",
        subject.id
    );
    sqlx::query(&refuse)
        .execute(pool)
        .await
        .expect("refuse the user");
    let posted = post(app, path, body).await;
    sqlx::query("alter table public.users drop constraint refused_in_property")
        .execute(pool)
        .await
        .expect("stop refusing the user");
    posted?;
    let event = sqlx::query_scalar("select max(id) from auth_mirror.events where user_id = $1")
        .bind(subject.id)
        .fetch_one(pool)
        .await
        .expect("the stored event");
    Ok(Some(event))
}

/// Replays `event` through the admin API, which hands it to the same SQL decision as the
/// retry worker.
async fn replay(app: &TestApp, event: i64) -> Result<(), TestCaseError> {
    let response = app
        .client
        .post(format!("{}/admin/events/{event}/replay", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("replay");
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.expect("JSON");
    proptest::prop_assert_eq!(status, 200, "{}", answer);
    match answer["outcome"].as_str() {
        Some("applied") => {
            REPLAYS_APPLIED.fetch_add(1, Ordering::Relaxed);
        }
        Some("already_done") => {}
        _ => proptest::prop_assert!(false, "{}", answer),
    }
    Ok(())
}

/// Waits until the retry worker has settled `event` if it failed: it must be applied, by the
/// worker.
async fn retried(app: &TestApp, event: i64) -> Result<(), TestCaseError> {
    let started = Instant::now();
    loop {
        let (status, via): (String, Option<String>) =
            sqlx::query_as("select status, applied_via from auth_mirror.events where id = $1")
                .bind(event)
                .fetch_one(&app.database.pool)
                .await
                .expect("read the event");
        match (status.as_str(), via.as_deref()) {
            ("failed", _) => {}
            ("applied", Some("retry")) => {
                RETRIES_APPLIED.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            ("dead", _) => proptest::prop_assert!(false, "event {} is dead", event),
            // Applied or ignored at once (the rule skipped the write), or by an earlier road.
            _ => return Ok(()),
        }
        proptest::prop_assert!(
            started.elapsed() < PATIENCE,
            "the worker never retried event {}",
            event
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Records in the app's spool (`/readyz`).
async fn spool_records(app: &TestApp) -> u64 {
    let ready: serde_json::Value = app.get("/readyz").await.json().await.expect("JSON");
    ready["spool"]["records"].as_u64().expect("spool records")
}

/// Delivers `body` while the event store is locked (as a long migration would lock it): not
/// stored within the deadline, the arrival is spooled and acknowledged; the lock released,
/// the drainer stores it through group commit.
async fn spooled(app: &TestApp, path: &str, body: &[u8]) -> Result<(), TestCaseError> {
    let mut lock = app.database.pool.begin().await.expect("begin");
    sqlx::query("lock table auth_mirror.events in access exclusive mode")
        .execute(&mut *lock)
        .await
        .expect("lock the event store");
    let posted = post(app, path, body).await;
    // Counted only when really spooled.
    let in_spool = spool_records(app).await > 0;
    lock.rollback().await.expect("release the lock");
    posted?;
    drained(app).await?;
    if in_spool {
        SPOOLS_DRAINED.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Waits until the spool is empty: what was spooled is stored (also an arrival spooled by
/// accident, on a slow machine, before its case reads the row).
pub async fn drained(app: &TestApp) -> Result<(), TestCaseError> {
    let started = Instant::now();
    while spool_records(app).await > 0 {
        proptest::prop_assert!(started.elapsed() < PATIENCE, "the spool was never drained");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}
