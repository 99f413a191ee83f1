//! `/healthz` and `/readyz`.

use crate::helpers::{spawn_app, spawn_app_adjusted, spawn_app_with, Setup};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_ready_on_a_migrated_database() {
    let app = spawn_app().await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readyz_is_unavailable_while_an_older_numbered_migration_is_pending() {
    let app = spawn_app().await;
    // As on a database migrated by a binary without one of this binary's migrations (added
    // on a branch, numbered below the newest applied one).
    sqlx::query("delete from auth_mirror._sqlx_migrations where version = 14")
        .execute(&app.database.pool)
        .await
        .expect("forget migration 0014");

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "migrations_pending");
}

#[tokio::test]
async fn readyz_is_unavailable_before_migrations() {
    let app = spawn_app_with(Setup {
        migrated: false,
        ..Setup::default()
    })
    .await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "migrations_pending");
}

#[tokio::test]
async fn readyz_stays_ready_while_the_spool_can_take_deliveries_the_database_cannot() {
    let app = spawn_app().await;
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(
        ready,
        serde_json::json!({"status": "ready", "database": "ready", "spool": {"records": 0, "bytes": 0}})
    );

    app.database.drop_now().await;
    let response = app.get("/readyz").await;

    // Deliveries still become durable (in the spool): the receiver stays in rotation.
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "unreachable");
}

#[tokio::test]
async fn readyz_turns_unavailable_when_neither_the_database_nor_the_spool_can_take_deliveries() {
    let app = spawn_app_adjusted(|config| config.spool.max_bytes = 0).await;
    app.database.drop_now().await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "database_unreachable");
    assert_eq!(body["spool"]["records"], 0);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_a_json_404() {
    let app = spawn_app().await;

    for response in [app.get("/nope").await, app.get("/hooks/auth").await] {
        assert_eq!(response.status(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
}
