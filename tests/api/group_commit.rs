//! Group commit: concurrent deliveries share one transaction. Each is answered only after
//! its batch has committed; a batch that cannot commit answers none of its deliveries with
//! success; a state that cannot be applied fails only its own event; the same event twice in
//! one batch is stored once.
//!
//! To make batches deterministic, a test holds commits: a deferred constraint trigger on
//! `auth_mirror.events` waits, at commit time, for an advisory lock the test holds. While the
//! writers wait, later deliveries queue and form the next batch.

use std::time::Duration;

use futures_util::future::join_all;
use sqlx::pool::PoolConnection;
use sqlx::Postgres;
use uuid::Uuid;

use auth_mirror::config::DeliveryConfig;

use crate::helpers::{sabotage, spawn_app_adjusted, TestApp, PRIVATE_EMAIL};
use crate::payloads::{hook, hook_user};
use crate::signature::metric;

const COMMIT_LOCK: i64 = 4242;

// The waits below poll every 25 ms for up to a minute: a loaded CI machine may take seconds
// to get twenty requests in, and a passing run returns as soon as the condition holds.

/// A deadline far longer than any test holds commits.
fn holding_commits() -> DeliveryConfig {
    DeliveryConfig {
        deadline: Duration::from_secs(60),
    }
}

async fn spawn_app_holding_commits() -> TestApp {
    spawn_app_adjusted(|config| config.delivery = holding_commits()).await
}

/// Makes every commit that stored an event wait for `COMMIT_LOCK`; with `fail`, the commit
/// then fails (the constraint is checked at commit, after the batch's statement succeeded).
async fn hold_commits(app: &TestApp, fail: bool) -> PoolConnection<Postgres> {
    let failure = if fail {
        "raise exception 'commit refused by the test' using errcode = 'P0001';"
    } else {
        ""
    };
    sqlx::raw_sql(&format!(
        "create function public.test_hold_commit() returns trigger language plpgsql as $$ \
         begin perform pg_advisory_xact_lock_shared({COMMIT_LOCK}); {failure} return null; end $$; \
         create constraint trigger test_hold_commit after insert on auth_mirror.events \
           deferrable initially deferred for each row execute function public.test_hold_commit();"
    ))
    .execute(&app.database.pool)
    .await
    .expect("install the commit-holding trigger");
    let mut holder = app.database.pool.acquire().await.expect("a connection");
    sqlx::query("select pg_advisory_lock($1)")
        .bind(COMMIT_LOCK)
        .execute(&mut *holder)
        .await
        .expect("take the commit lock");
    holder
}

async fn release_commits(mut holder: PoolConnection<Postgres>) {
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(COMMIT_LOCK)
        .execute(&mut *holder)
        .await
        .expect("release the commit lock");
}

/// Waits until `count` transactions of this database are held at commit.
async fn wait_for_held_commits(app: &TestApp, count: i64) {
    for _ in 0..2400 {
        let held: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity \
             where datname = current_database() and wait_event = 'advisory'",
        )
        .fetch_one(&app.database.pool)
        .await
        .expect("read pg_stat_activity");
        if held >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{count} commits were never held");
}

/// Waits until the service has `count` deliveries in flight (received, not yet answered).
async fn wait_for_in_flight(app: &TestApp, count: f64) {
    for _ in 0..2400 {
        if metric(app, "auth_mirror_deliveries_in_flight", "").await >= Some(count) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{count} deliveries were never in flight");
}

fn signup(email: &str) -> Vec<u8> {
    hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), email, "2024-05-01T10:00:00Z"),
    )
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.database.pool)
        .await
        .expect("count rows")
}

/// Sends one delivery per writer, the second once the first is held at its commit, then
/// `queued` once both are held: those queue up for the next batch. All statuses, in order.
async fn send_behind_held_writers(app: &TestApp, queued: &[Vec<u8>]) -> Vec<u16> {
    let held = [signup("first@example.org"), signup("second@example.org")];
    let first = send_all(app, &held[..1]);
    let second = async {
        wait_for_held_commits(app, 1).await;
        send_all(app, &held[1..]).await
    };
    let rest = async {
        wait_for_held_commits(app, 2).await;
        send_all(app, queued).await
    };
    let (first, second, rest) = tokio::join!(first, second, rest);
    [first, second, rest].concat()
}

/// Sends each body concurrently; the answers' statuses, in order.
async fn send_all(app: &TestApp, bodies: &[Vec<u8>]) -> Vec<u16> {
    let sends = bodies
        .iter()
        .map(|body| async move { app.post_signed("/hooks/auth", body).await.status().as_u16() });
    join_all(sends).await
}

#[tokio::test]
async fn a_delivery_is_answered_only_after_its_batch_commits() {
    let app = spawn_app_holding_commits().await;
    let holder = hold_commits(&app, false).await;
    let body = signup("ada@example.org");
    let mut sending = Box::pin(async {
        app.post_signed("/hooks/auth", &body)
            .await
            .status()
            .as_u16()
    });

    tokio::select! {
        status = &mut sending => panic!("answered {status} before the commit"),
        () = wait_for_held_commits(&app, 1) => {}
    }
    // The transaction is held at its commit: nothing is visible, nothing answered yet.
    assert_eq!(count(&app, "auth_mirror.events").await, 0);
    assert_eq!(count(&app, "public.users").await, 0);
    tokio::select! {
        status = &mut sending => panic!("answered {status} before the commit"),
        () = tokio::time::sleep(Duration::from_millis(300)) => {}
    }

    release_commits(holder).await;
    assert_eq!(sending.await, 200);
    assert_eq!(count(&app, "auth_mirror.events").await, 1);
    assert_eq!(count(&app, "public.users").await, 1);
}

#[tokio::test]
async fn when_a_batch_cannot_commit_none_of_its_deliveries_is_answered_with_success() {
    // No room in the spool either: an answer could only come from the batch's commit.
    let app = spawn_app_adjusted(|config| {
        config.delivery = holding_commits();
        config.spool.max_bytes = 0;
    })
    .await;
    let holder = hold_commits(&app, true).await;
    let bodies: Vec<Vec<u8>> = (0..18)
        .map(|n| signup(&format!("user{n}@example.org")))
        .collect();
    let sending = send_behind_held_writers(&app, &bodies);
    let waiting = async {
        wait_for_in_flight(&app, 20.0).await;
        release_commits(holder).await;
    };
    let (statuses, ()) = tokio::join!(sending, waiting);

    assert_eq!(statuses, vec![503; 20]);
    assert_eq!(count(&app, "auth_mirror.events").await, 0);
    assert_eq!(count(&app, "public.users").await, 0);
    // The queued deliveries were committed together (and failed) before any one on its own.
    let batched = metric(&app, "auth_mirror_batch_deliveries_bucket", r#"le="1.0""#).await;
    let all = metric(&app, "auth_mirror_batch_deliveries_count", "").await;
    assert!(
        batched < all,
        "every batch held one delivery: {batched:?} of {all:?}"
    );
}

#[tokio::test]
async fn a_poison_row_in_a_busy_batch_fails_only_its_own_event() {
    let app = spawn_app_holding_commits().await;
    sabotage(&app).await;
    let holder = hold_commits(&app, false).await;
    let copied = signup("copied@example.org");
    let mut bodies: Vec<Vec<u8>> = (0..16)
        .map(|n| signup(&format!("user{n}@example.org")))
        .collect();
    bodies.insert(7, signup(PRIVATE_EMAIL));
    bodies.extend([copied.clone(), copied.clone(), copied]);

    let sending = send_behind_held_writers(&app, &bodies);
    let waiting = async {
        wait_for_in_flight(&app, 22.0).await;
        release_commits(holder).await;
    };
    let (statuses, ()) = tokio::join!(sending, waiting);

    assert_eq!(statuses, vec![200; 22]);
    let events: Vec<(String, Option<String>, String)> =
        sqlx::query_as("select status, last_error, xmin::text from auth_mirror.events order by id")
            .fetch_all(&app.database.pool)
            .await
            .expect("read events");
    assert_eq!(events.len(), 20, "22 deliveries, one of them three times");
    let failed: Vec<_> = events
        .iter()
        .filter(|(status, ..)| status == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    let (_, reason, poison_transaction) = failed[0];
    assert_eq!(
        reason.as_deref(),
        Some("database error 23514 (constraint no_example)")
    );
    // The poison row was committed in the same transaction as others, which were applied.
    let batch_mates = events
        .iter()
        .filter(|(status, _, transaction)| status == "applied" && transaction == poison_transaction)
        .count();
    assert!(batch_mates >= 2, "{events:?}");
    assert_eq!(count(&app, "public.users").await, 19);
    assert_eq!(
        metric(
            &app,
            "auth_mirror_duplicates_total",
            r#"source="auth_hook",first_outcome="inserted""#
        )
        .await,
        Some(2.0)
    );
}
