//! The spool's quarantine through the admin API: a delivery spooled while the database was
//! locked, then refused for good by it, is listed (without its body) and counted, and replayed
//! once the cause is fixed.

use serde_json::json;
use uuid::Uuid;

use super::worker::eventually;
use super::{admin_get, admin_post};
use crate::helpers::{
    spawn_admin_app_that_spools_soon, spool_a_refused_signup, unrefuse, QUARANTINED_EMAIL,
};

#[tokio::test]
async fn a_quarantined_record_is_listed_by_the_admin_api_and_replayed_once_fixed() {
    let app = spawn_admin_app_that_spools_soon().await;
    let user = Uuid::new_v4();
    spool_a_refused_signup(&app, user).await;

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
    assert!(!listed.to_string().contains(QUARANTINED_EMAIL), "{listed}");
    assert!(app
        .metrics()
        .await
        .contains("auth_mirror_spool_quarantined_total 1\n"));
    assert_eq!(app.get("/readyz").await.status(), 200);
    let name = record["name"].as_str().unwrap().to_owned();
    let path = format!("/admin/spool/quarantine/{name}/replay");
    let (status, _) = admin_post(&app, &path, json!({})).await;
    assert_eq!(status, 503, "refused again, it stays");

    unrefuse(&app).await;
    let (status, replayed) = admin_post(&app, &path, json!({})).await;

    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["outcome"], "inserted", "{replayed}");
    assert!(app.mirror_row(user).await.is_some());
    let (_, listed) = admin_get(&app, "/admin/spool/quarantine").await;
    assert_eq!(listed["records"], json!([]));
    let (status, _) = admin_post(&app, &path, json!({})).await;
    assert_eq!(status, 404);
}
