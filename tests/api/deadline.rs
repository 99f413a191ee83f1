//! `DELIVERY_DEADLINE_MS`: a locked `public.users` (a long migration, `VACUUM FULL`, an
//! application transaction) cannot hold a delivery past its deadline, so Supabase's 5 s
//! for all attempts of a hook is never blown; nothing half-done is left behind, and the
//! delivery, spooled meanwhile, is mirrored once the lock is gone.

use std::time::{Duration, Instant};

use auth_mirror::config::DeliveryConfig;
use uuid::Uuid;

use crate::helpers::{spawn_app_adjusted, TestApp};
use crate::payloads::{hook, hook_user};

const DEADLINE: Duration = Duration::from_millis(600);

/// Scheduling slack on a busy 2-core CI machine; the lock below is held ten times longer.
const SLACK: Duration = Duration::from_millis(1_500);

fn signup(user: Uuid) -> Vec<u8> {
    hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "ada@example.org", "2024-05-01T10:00:00Z"),
    )
}

/// Holds an exclusive lock on `public.users` (as `VACUUM FULL` or a long migration would)
/// until the transaction is rolled back.
async fn lock_users(app: &TestApp) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut lock = app.database.pool.begin().await.expect("begin");
    sqlx::query("lock table public.users in access exclusive mode")
        .execute(&mut *lock)
        .await
        .expect("lock public.users");
    lock
}

#[tokio::test]
async fn a_locked_users_table_cannot_hold_a_delivery_past_its_deadline() {
    let app =
        spawn_app_adjusted(|config| config.delivery = DeliveryConfig { deadline: DEADLINE }).await;
    let user = Uuid::new_v4();
    let body = signup(user);
    let lock = lock_users(&app).await;

    let started = Instant::now();
    let response = app.post_signed("/hooks/auth", &body).await;
    let took = started.elapsed();
    assert!(took < DEADLINE + SLACK, "answered after {took:?}");
    // Not in the database in time: durable in the spool, and acknowledged.
    assert_eq!(response.status(), 200);
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["spool"]["records"], 1, "{ready}");

    // Held ten deadlines: the statement was cancelled, not left waiting for the lock.
    tokio::time::sleep(DEADLINE * 10).await;
    lock.rollback().await.expect("release the lock");

    // The drainer moves it into the event store once the table is free: stored and applied
    // once, and Supabase's retry of it is a duplicate.
    let drained = Instant::now();
    while app.mirror_row(user).await.is_none() {
        assert!(drained.elapsed() < Duration::from_secs(60), "never drained");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored: Vec<String> = sqlx::query_scalar("select status from auth_mirror.events")
        .fetch_all(&app.database.pool)
        .await
        .expect("read events");
    assert_eq!(stored, ["applied"]);
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
    let events: i64 = sqlx::query_scalar("select count(*) from auth_mirror.events")
        .fetch_one(&app.database.pool)
        .await
        .expect("count events");
    assert_eq!(events, 1);
}

#[tokio::test]
async fn past_the_deadline_with_a_full_spool_the_answer_is_503_in_time() {
    let app = spawn_app_adjusted(|config| {
        config.delivery = DeliveryConfig { deadline: DEADLINE };
        config.spool.max_bytes = 0;
    })
    .await;
    let body = signup(Uuid::new_v4());
    let lock = lock_users(&app).await;

    let started = Instant::now();
    let response = app.post_signed("/hooks/auth", &body).await;
    let took = started.elapsed();

    assert!(took < DEADLINE + SLACK, "answered after {took:?}");
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let error: serde_json::Value = response.json().await.expect("a JSON error body");
    assert_eq!(error["error"]["code"], "unavailable");
    lock.rollback().await.expect("release the lock");
}
