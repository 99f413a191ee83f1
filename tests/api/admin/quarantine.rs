//! The spool's quarantine through the admin API: a delivery spooled while the database was
//! locked, then refused for good by it, is listed (without its body) and counted, and replayed
//! once the cause is fixed.

use std::time::Duration;

use auth_mirror::config::DeliveryConfig;
use serde_json::json;
use uuid::Uuid;

use super::worker::eventually;
use super::{admin_get, admin_post};
use crate::helpers::{spawn_admin_app_adjusted, AdminSetup};
use crate::payloads::{hook, hook_user};

#[tokio::test]
async fn a_quarantined_record_is_listed_by_the_admin_api_and_replayed_once_fixed() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), |config| {
        config.delivery = DeliveryConfig {
            deadline: Duration::from_millis(300),
        }
    })
    .await;
    let user = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "ada@example.org", "2024-05-01T10:00:00Z"),
    );
    // Locked past the deadline: spooled. Then the database refuses it for good.
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

    eventually("the drainer has quarantined the record", || async {
        let (_, listed) = admin_get(&app, "/admin/spool/quarantine").await;
        listed["records"].as_array().is_some_and(|r| r.len() == 1)
    })
    .await;
    let (status, listed) = admin_get(&app, "/admin/spool/quarantine").await;
    assert_eq!(status, 200);
    let record = &listed["records"][0];
    assert_eq!(record["source"], "auth_hook", "{listed}");
    assert!(
        record["reason"].as_str().unwrap().contains("23514"),
        "{listed}"
    );
    assert!(!listed.to_string().contains("ada@example.org"), "{listed}");
    assert!(app
        .metrics()
        .await
        .contains("auth_mirror_spool_quarantined_total 1\n"));
    assert_eq!(app.get("/readyz").await.status(), 200);
    let name = record["name"].as_str().unwrap().to_owned();
    let path = format!("/admin/spool/quarantine/{name}/replay");
    let (status, _) = admin_post(&app, &path, json!({})).await;
    assert_eq!(status, 503, "refused again, it stays");

    sqlx::query("alter table auth_mirror.events drop constraint refused")
        .execute(&app.database.pool)
        .await
        .unwrap();
    let (status, replayed) = admin_post(&app, &path, json!({})).await;

    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["outcome"], "inserted", "{replayed}");
    assert!(app.mirror_row(user).await.is_some());
    let (_, listed) = admin_get(&app, "/admin/spool/quarantine").await;
    assert_eq!(listed["records"], json!([]));
    let (status, _) = admin_post(&app, &path, json!({})).await;
    assert_eq!(status, 404);
}
