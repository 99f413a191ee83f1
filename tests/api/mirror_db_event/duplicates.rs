//! A db event sent again (new webhook-id, other key order or layout) is stored once, and the
//! same state arriving by the other path does not rewrite the row.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{effect, effects, post_db, T1};
use crate::helpers::spawn_app;
use crate::payloads::{auth_row, db_event, hook, hook_user};

#[tokio::test]
async fn a_duplicate_db_event_with_a_new_webhook_id_is_stored_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = db_event(
        "INSERT",
        Some(auth_row(id, Some("ada@example.com"), T1)),
        None,
    );

    let first = post_db(&app, &body).await;
    let retry = post_db(&app, &body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(effects(&app).await, vec![effect("inserted")]);
}

#[tokio::test]
async fn a_db_event_resent_with_another_key_order_and_layout_is_stored_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let compact = db_event(
        "INSERT",
        Some(auth_row(id, Some("ada@example.com"), T1)),
        None,
    );
    // The same event as another JSON writer lays it out: keys reversed, indented.
    let reordered = format!(
        "{{\n  \"old_record\": null,\n  \"record\": {},\n  \"schema\": \"auth\",\n  \
         \"table\": \"users\",\n  \"type\": \"INSERT\"\n}}",
        serde_json::to_string_pretty(&auth_row(id, Some("ada@example.com"), T1)).unwrap()
    );
    assert_ne!(compact, reordered.as_bytes());

    let first = post_db(&app, &compact).await;
    let again = post_db(&app, reordered.as_bytes()).await;

    assert_eq!(first.status(), 200);
    assert_eq!(again.status(), 200);
    assert_eq!(effects(&app).await, vec![effect("inserted")]);
}

#[tokio::test]
async fn the_same_state_from_the_auth_hook_does_not_rewrite_the_row() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let insert = db_event(
        "INSERT",
        Some(auth_row(id, Some("ada@example.com"), T1)),
        None,
    );
    // Supabase's hook JSON for the same row: nanoseconds, "" for no phone.
    let mut user = hook_user(id, "ada@example.com", "2024-05-01T10:00:00.123456789Z");
    user["created_at"] = json!("2024-05-01T10:00:00.123456789Z");
    let same_state = hook("after-user-created", Uuid::new_v4(), user);
    assert_eq!(post_db(&app, &insert).await.status(), 200);
    let written_at = row_updated_at(&app, id).await;

    let response = app.post_signed("/hooks/auth", &same_state).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        effects(&app).await,
        vec![effect("inserted"), effect("stale")]
    );
    assert_eq!(row_updated_at(&app, id).await, written_at);
}

async fn row_updated_at(app: &crate::helpers::TestApp, id: Uuid) -> String {
    sqlx::query_scalar("select updated_at::text from public.users where id = $1")
        .bind(id)
        .fetch_one(&app.database.pool)
        .await
        .unwrap()
}
