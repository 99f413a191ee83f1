//! Events the mirror does not handle (other tables, TRUNCATE): stored as ignored, answered 422.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{post_db, T1};
use crate::helpers::{spawn_app, TestApp};
use crate::payloads::db_event;

async fn assert_unsupported(app: &TestApp, body: &[u8]) {
    let response = post_db(app, body).await;

    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "unsupported_event", "{answer}");
    assert_eq!(answer["error"]["http_code"], 422, "{answer}");
}

#[tokio::test]
async fn an_event_on_another_table_is_stored_as_ignored_and_answered_422() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = serde_json::to_vec(&json!({
        "type": "INSERT",
        "table": "profiles",
        "schema": "public",
        "record": { "id": id, "username": "ada", "updated_at": T1 },
        "old_record": null
    }))
    .unwrap();

    assert_unsupported(&app, &body).await;

    assert_eq!(
        app.events().await,
        vec![("INSERT".into(), "ignored".into(), None, None)]
    );
    assert_eq!(app.mirror_row(id).await, None);
}

#[tokio::test]
async fn a_truncate_is_stored_as_ignored_and_answered_422() {
    let app = spawn_app().await;
    let body = db_event("TRUNCATE", None, None);

    assert_unsupported(&app, &body).await;

    assert_eq!(
        app.events().await,
        vec![("TRUNCATE".into(), "ignored".into(), None, None)]
    );
    let users: i64 = sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&app.database.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn an_event_on_public_users_or_another_auth_table_is_not_mirrored() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    // A Supabase Database Webhook pointed at the mirror table itself, and one on auth.sessions.
    for (schema, table) in [("public", "users"), ("auth", "sessions")] {
        let body = serde_json::to_vec(&json!({
            "type": "INSERT",
            "table": table,
            "schema": schema,
            "record": { "id": id, "email": "ada@example.com", "updated_at": T1 },
            "old_record": null
        }))
        .unwrap();

        assert_unsupported(&app, &body).await;
    }

    assert_eq!(app.mirror_row(id).await, None);
}
