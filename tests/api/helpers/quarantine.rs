//! A spooled delivery the database refuses for good, so that the spool drainer quarantines it:
//! a signup posted while `auth_mirror.events` is locked past the deadline, with a constraint
//! its event row violates added in the same transaction; `unrefuse` is the operator's fix.

use std::time::Duration;

use auth_mirror::config::DeliveryConfig;
use uuid::Uuid;

use super::{spawn_admin_app_adjusted, AdminSetup, TestApp};
use crate::payloads::{hook, hook_user};

/// The email of the quarantined signup; it must never show in a listing.
pub const QUARANTINED_EMAIL: &str = "ada@example.org";

/// An app with the admin API whose deliveries wait at most 300 ms for their batch, so that a
/// locked events table sends them to the spool at once.
pub async fn spawn_admin_app_that_spools_soon() -> TestApp {
    spawn_admin_app_adjusted(AdminSetup::default(), |config| {
        config.delivery = DeliveryConfig {
            deadline: Duration::from_millis(300),
        }
    })
    .await
}

/// Spools a signup of `user` and makes the database refuse it for good. The app must run with
/// a short delivery deadline (`spawn_admin_app_that_spools_soon`).
pub async fn spool_a_refused_signup(app: &TestApp, user: Uuid) {
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, QUARANTINED_EMAIL, "2024-05-01T10:00:00Z"),
    );
    let mut lock = app.database.pool.begin().await.unwrap();
    sqlx::query("lock table auth_mirror.events in access exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();
    sqlx::query(
        "alter table auth_mirror.events add constraint refused \
         check (kind <> 'after-user-created') not valid",
    )
    .execute(&mut *lock)
    .await
    .unwrap();
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
    lock.commit().await.unwrap();
}

/// Removes the cause: the database takes the quarantined record again.
pub async fn unrefuse(app: &TestApp) {
    sqlx::query("alter table auth_mirror.events drop constraint refused")
        .execute(&app.database.pool)
        .await
        .unwrap();
}
