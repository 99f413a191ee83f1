//! `DELIVERY_DEADLINE_MS`: a locked `public.users` (a long migration, `VACUUM FULL`, an
//! application transaction) cannot hold a delivery past its deadline, so Supabase's 5 s
//! for all attempts of a hook is never blown; nothing half-done is left behind, and the
//! delivery Supabase retries once the lock is gone is mirrored.

use std::time::{Duration, Instant};

use auth_mirror::config::DeliveryConfig;
use uuid::Uuid;

use crate::helpers::spawn_app_with_delivery;
use crate::payloads::{hook, hook_user};

const DEADLINE: Duration = Duration::from_millis(600);

/// Scheduling slack on a busy 2-core CI machine; the lock below is held ten times longer.
const SLACK: Duration = Duration::from_millis(1_500);

#[tokio::test]
async fn a_locked_users_table_cannot_hold_a_delivery_past_its_deadline() {
    let app = spawn_app_with_delivery(DeliveryConfig { deadline: DEADLINE }).await;
    let user = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "ada@example.org", "2024-05-01T10:00:00Z"),
    );
    let mut lock = app.database.pool.begin().await.expect("begin");
    sqlx::query("lock table public.users in access exclusive mode")
        .execute(&mut *lock)
        .await
        .expect("lock public.users");

    let started = Instant::now();
    let response = app.post_signed("/hooks/auth", &body).await;
    let took = started.elapsed();
    assert!(took < DEADLINE + SLACK, "answered after {took:?}");
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let error: serde_json::Value = response.json().await.expect("a JSON error body");
    assert_eq!(error["error"]["code"], "unavailable");

    // Held ten deadlines: the statement was cancelled, not left waiting for the lock.
    tokio::time::sleep(DEADLINE * 10).await;
    lock.rollback().await.expect("release the lock");
    let stored: i64 = sqlx::query_scalar("select count(*) from auth_mirror.events")
        .fetch_one(&app.database.pool)
        .await
        .expect("count events");
    assert_eq!(stored, 0, "the refused delivery was rolled back");

    // Supabase's retry, after the lock is gone.
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
    assert!(app.mirror_row(user).await.is_some());
}
