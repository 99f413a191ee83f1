//! A db event sent again (new webhook-id, other key order or layout) is stored once.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{effect, effects, post_db, T1};
use crate::helpers::spawn_app;
use crate::payloads::{auth_row, db_event};

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
