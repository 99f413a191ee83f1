//! `GET /admin/stats` and `GET /admin/trigger-errors`.

use serde_json::{json, Value};

use super::{admin_get, deliver_signup, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn stats_count_events_by_status_and_source_and_list_trigger_errors() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    deliver_signup(&app).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    deliver_signup(&app).await;
    let user = uuid::Uuid::new_v4();
    sqlx::query("insert into auth_mirror.trigger_errors (user_id, operation, sqlstate) values ($1, 'INSERT', '23514')")
        .bind(user)
        .execute(&app.database.pool)
        .await
        .unwrap();

    let (status, stats) = admin_get(&app, "/admin/stats").await;
    let (_, errors) = admin_get(&app, "/admin/trigger-errors").await;

    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        stats["by_status"],
        json!({ "applied": 1, "failed": 2, "dead": 0, "ignored": 0 })
    );
    assert_eq!(
        stats["by_source"],
        json!({ "auth_hook": { "applied": 1, "failed": 2 } })
    );
    assert!(stats["oldest_failed_at"].is_string(), "{stats}");
    assert_eq!(stats["oldest_dead_at"], Value::Null);
    assert_eq!(stats["trigger_errors"]["total"], 1);
    assert_eq!(stats["trigger_errors"]["last_24h"], 1);
    let items = errors["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{errors}");
    assert_eq!(items[0]["user_id"], user.to_string());
    assert_eq!(items[0]["operation"], "INSERT");
    assert_eq!(items[0]["sqlstate"], "23514");
}
