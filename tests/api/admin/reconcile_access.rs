//! Who may start a reconcile over HTTP, with which bodies, and where it cannot run.

use serde_json::json;
use uuid::Uuid;

use super::{admin_get, admin_post, send};
use crate::helpers::{spawn_admin_app, spawn_admin_app_with, AdminSetup, Setup};

#[tokio::test]
async fn starting_a_reconcile_needs_the_admin_token() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    let (status, body) = send(
        app.client
            .post(format!("{}/admin/reconcile", app.address))
            .json(&json!({})),
    )
    .await;

    assert_eq!(
        (status, body["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
    let (status, _) = super::admin_get(&app, "/admin/reconcile").await;
    assert_eq!(status, 404, "nothing was started");
}

#[tokio::test]
async fn without_admin_token_configured_the_reconcile_route_is_not_found() {
    let app = spawn_admin_app(AdminSetup {
        token: None,
        ..AdminSetup::default()
    })
    .await;

    let (status, body) = admin_post(&app, "/admin/reconcile", json!({})).await;

    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("not_found"))
    );
}

#[tokio::test]
async fn a_database_without_auth_users_is_told_to_use_the_admin_api_source() {
    let app = spawn_admin_app_with(
        Setup {
            supabase_shaped: false,
            migrated: true,
        },
        AdminSetup::default(),
    )
    .await;

    let (status, body) = admin_post(&app, "/admin/reconcile", json!({})).await;

    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("auth_users_missing")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("auth-mirror reconcile --from admin-api"),
        "{message}"
    );
}

#[tokio::test]
async fn reconcile_bodies_that_cannot_be_run_are_refused_with_a_code() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let cases = [
        (json!({"dry_run": "yes"}), "invalid_body"),
        (json!({"dryrun": true}), "invalid_body"),
        (json!([]), "invalid_body"),
        (json!({"batch_size": 0}), "invalid_batch_size"),
        (json!({"batch_size": 100_001}), "invalid_batch_size"),
        (json!({"batch_size": 1.5}), "invalid_body"),
    ];
    for (body, code) in cases {
        let (status, answer) = admin_post(&app, "/admin/reconcile", body.clone()).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (400, json!(code)),
            "{body}"
        );
    }
    let (status, answer) = send(
        super::admin(&app, reqwest::Method::POST, "/admin/reconcile")
            .header("content-type", "text/plain")
            .body("dry_run"),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (415, json!("unsupported_media_type"))
    );
    for path in ["/admin/reconcile", "/admin/reconcile/not-a-uuid"] {
        let (status, answer) = admin_get(&app, path).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (404, json!("reconcile_not_found")),
            "{path}"
        );
    }
    let (status, answer) = admin_get(&app, &format!("/admin/reconcile/{}", Uuid::new_v4())).await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (404, json!("reconcile_not_found"))
    );
    let (status, _) = admin_get(&app, "/admin/events").await;
    assert_eq!(
        status, 200,
        "no refused body started a reconcile or broke the API"
    );
    assert!(
        admin_get(&app, "/admin/reconcile").await.0 == 404,
        "nothing was started"
    );
}
