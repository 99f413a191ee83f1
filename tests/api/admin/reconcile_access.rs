//! Who may start a reconcile over HTTP, and where it cannot run.

use serde_json::json;

use super::{admin_post, send};
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
