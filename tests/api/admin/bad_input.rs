//! Bad input to the admin API: each case a precise 4xx with a stable JSON `code`.

use serde_json::json;

use super::{admin, admin_get, admin_post, send};
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn bad_query_parameters_are_refused_with_a_precise_code() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let trigger_cursor = {
        sqlx::query("insert into auth_mirror.trigger_errors (operation, sqlstate) values ('INSERT', '23514')")
            .execute(&app.database.pool)
            .await
            .unwrap();
        let (_, page) = admin_get(&app, "/admin/trigger-errors?limit=1").await;
        page["next_cursor"].as_str().expect("a cursor").to_owned()
    };
    let cases = [
        ("/admin/events?status=broken", 400, "invalid_status"),
        ("/admin/events?status=FAILED", 400, "invalid_status"),
        ("/admin/events?source=smtp", 400, "invalid_source"),
        ("/admin/events?kind=", 400, "invalid_kind"),
        ("/admin/events?user_id=42", 400, "invalid_user_id"),
        ("/admin/events?since=yesterday", 400, "invalid_time"),
        ("/admin/events?until=2024-05-01", 400, "invalid_time"),
        (
            "/admin/events?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z",
            400,
            "invalid_time_range",
        ),
        ("/admin/events?cursor=not-a-cursor", 400, "invalid_cursor"),
        ("/admin/events?cursor=ZTE6LTE", 400, "invalid_cursor"),
        (
            &format!("/admin/events?cursor={trigger_cursor}"),
            400,
            "invalid_cursor",
        ),
        ("/admin/events?limit=501", 400, "limit_too_large"),
        ("/admin/events?limit=0", 400, "invalid_limit"),
        ("/admin/events?limit=ten", 400, "invalid_limit"),
        ("/admin/events?stauts=failed", 400, "invalid_parameter"),
        ("/admin/events/1?payload=yes", 400, "invalid_parameter"),
        ("/admin/trigger-errors?limit=100000", 400, "limit_too_large"),
        ("/admin/trigger-errors?cursor=%21", 400, "invalid_cursor"),
        ("/admin/events/987654", 404, "event_not_found"),
        ("/admin/events/abc", 400, "invalid_id"),
    ];

    for (path, expected_status, expected_code) in cases {
        let (status, body) = admin_get(&app, path).await;

        assert_eq!(status, expected_status, "{path}: {body}");
        assert_eq!(body["error"]["code"], expected_code, "{path}: {body}");
        assert_eq!(body["error"]["http_code"], expected_status, "{path}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn replay_and_expunge_of_an_unknown_event_are_not_found() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    let (replay, replayed) = admin_post(&app, "/admin/events/987654/replay", json!(null)).await;
    let (expunge, expunged) = send(admin(
        &app,
        reqwest::Method::DELETE,
        "/admin/events/987654/payload",
    ))
    .await;

    assert_eq!(
        (replay, replayed["error"]["code"].clone()),
        (404, json!("event_not_found"))
    );
    assert_eq!(
        (expunge, expunged["error"]["code"].clone()),
        (404, json!("event_not_found"))
    );
}

#[tokio::test]
async fn bad_bulk_replay_bodies_are_refused_with_a_precise_code() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let cases = [
        (json!({"stauts": "failed"}), "invalid_parameter"),
        (json!({"status": "nope"}), "invalid_status"),
        (json!({"user_id": "someone"}), "invalid_user_id"),
        (json!({"limit": 100_001}), "limit_too_large"),
        (json!({"limit": -1}), "invalid_limit"),
        (json!({"limit": "many"}), "invalid_body"),
        (json!({"cursor": "garbage"}), "invalid_cursor"),
        (json!({"dry_run": "yes"}), "invalid_body"),
        (json!(["failed"]), "invalid_body"),
    ];

    for (body, expected_code) in cases {
        let (status, answer) = admin_post(&app, "/admin/events/replay", body.clone()).await;

        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], expected_code, "{body}: {answer}");
    }
    let (status, answer) = send(
        admin(&app, reqwest::Method::POST, "/admin/events/replay")
            .header("content-type", "text/plain")
            .body("status=failed"),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (415, json!("unsupported_media_type"))
    );
}
