//! NUL characters: PostgreSQL cannot store `\u0000` in text or jsonb, and Supabase never sends
//! one. A verified body with one is stored (raw bytes) as `unparsed` with that reason, never
//! scheduled for a retry that could only fail again, and answered like any other verified
//! body that does not parse.

use serde_json::json;
use uuid::Uuid;

use super::{assert_malformed, assert_stored_unparsed, users};
use crate::helpers::spawn_app;
use crate::payloads::{auth_row, db_event, hook, hook_user};
use crate::signature::assert_accepted;

const REASON: &str = "the payload contains a NUL character (\\u0000), which PostgreSQL cannot \
                      store in text or jsonb";

#[tokio::test]
async fn a_hook_with_a_nul_in_its_metadata_is_stored_as_unparsed_and_answered_ok() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut user = hook_user(id, "ada@example.com", "2024-05-01T10:00:00Z");
    user["user_metadata"] = json!({ "full_name": "Ada\u{0}Lovelace" });
    let body = hook("after-user-created", Uuid::new_v4(), user);

    let response = app.post_signed("/hooks/auth", &body).await;

    // Never break a signup: Supabase gets its success answer.
    assert_accepted(response).await;
    assert_stored_unparsed(&app, &[("auth_hook", &body)], REASON).await;
    assert_eq!(app.mirror_row(id).await, None);
}

#[tokio::test]
async fn a_db_event_with_a_nul_in_its_email_is_stored_as_unparsed_and_answered_422() {
    let app = spawn_app().await;
    let record = auth_row(
        Uuid::new_v4(),
        Some("ada\u{0}@example.com"),
        "2024-05-01T10:00:00Z",
    );
    let body = db_event("INSERT", Some(record), None);

    let response = app.post_signed("/hooks/db", &body).await;

    assert_malformed(response).await;
    assert_stored_unparsed(&app, &[("db_webhook", &body)], REASON).await;
    assert_eq!(users(&app).await, 0);
}

#[tokio::test]
async fn a_retried_delivery_with_a_nul_is_recognised_as_the_same_event() {
    let app = spawn_app().await;
    let mut user = hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z");
    user["app_metadata"] = json!({ "provider\u{0}": "email" });
    let body = hook("after-user-created", Uuid::new_v4(), user);

    // Supabase retries with the same bytes and a new webhook-id.
    for _ in 0..2 {
        assert_accepted(app.post_signed("/hooks/auth", &body).await).await;
    }

    assert_stored_unparsed(&app, &[("auth_hook", &body)], REASON).await;
}
