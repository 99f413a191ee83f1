//! Parsing deliveries into domain types.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{Action, ParsedEvent, Source};

pub(super) const USER_ID: &str = "6f1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d";
const INVOCATION: &str = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

pub(super) fn hook_body(name: &str, user: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "metadata": { "uuid": INVOCATION, "time": "2024-05-01T10:00:01Z", "name": name, "ip_address": "::1" },
        "user": user
    }))
    .unwrap()
}

pub(super) fn user(extra: Value) -> Value {
    let mut user = json!({
        "id": USER_ID, "aud": "authenticated", "role": "", "email": "ada@example.com", "phone": "",
        "app_metadata": { "provider": "email" }, "user_metadata": { "name": "Ada" },
        "identities": [], "created_at": "2024-05-01T10:00:00Z",
        "updated_at": "2024-05-01T10:00:00.987654321Z", "is_anonymous": false
    });
    user.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    user
}

fn mirrored(event: &ParsedEvent) -> &super::UserState {
    match &event.action {
        Action::Mirror(state) => state,
        other => panic!("expected a mirror action, got {other:?}"),
    }
}

#[test]
fn hook_key_is_the_invocation_uuid_so_retries_share_it() {
    let event = ParsedEvent::parse(
        Source::AuthHook,
        &hook_body("after-user-created", user(json!({}))),
    )
    .unwrap();

    assert_eq!(event.key.as_str(), format!("hook:{INVOCATION}"));
    assert_eq!(event.user_id, Some(Uuid::parse_str(USER_ID).unwrap()));
}

#[test]
fn empty_phone_becomes_none_and_version_is_truncated_to_microseconds() {
    let event = ParsedEvent::parse(
        Source::AuthHook,
        &hook_body("after-user-created", user(json!({}))),
    )
    .unwrap();
    let state = mirrored(&event);

    assert_eq!(state.phone, None);
    assert_eq!(state.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        state.version.unwrap().time().to_rfc3339(),
        "2024-05-01T10:00:00.987654+00:00"
    );
}

#[test]
fn invited_users_blanked_metadata_is_unknown_not_empty() {
    let body = hook_body(
        "after-user-created",
        user(json!({ "invited_at": "2024-05-01T09:00:00Z", "user_metadata": {} })),
    );

    let event = ParsedEvent::parse(Source::AuthHook, &body).unwrap();

    assert_eq!(mirrored(&event).user_metadata, None);
}

#[test]
fn empty_metadata_of_a_user_who_was_not_invited_is_kept_as_empty() {
    let body = hook_body("after-user-created", user(json!({ "user_metadata": {} })));

    let event = ParsedEvent::parse(Source::AuthHook, &body).unwrap();

    assert_eq!(mirrored(&event).user_metadata, Some(json!({})));
}

#[test]
fn before_user_created_is_allowed_and_other_hooks_are_unsupported() {
    let before = ParsedEvent::parse(
        Source::AuthHook,
        &hook_body("before-user-created", user(json!({}))),
    )
    .unwrap();
    let email =
        ParsedEvent::parse(Source::AuthHook, &hook_body("send-email", user(json!({})))).unwrap();

    assert_eq!(before.action, Action::Allow);
    assert_eq!(email.action, Action::UnsupportedHook("send-email".into()));
}

#[test]
fn a_db_delete_mirrors_the_old_record_as_removed() {
    let body = json!({
        "type": "DELETE", "table": "users", "schema": "auth", "record": null,
        "old_record": { "id": USER_ID, "email": "ada@example.com", "updated_at": "2024-05-01T10:00:00+00:00" }
    });

    let event = ParsedEvent::parse(Source::DbWebhook, body.to_string().as_bytes()).unwrap();

    assert!(mirrored(&event).removed);
    assert_eq!(event.kind, "DELETE");
}

#[test]
fn db_event_key_ignores_key_order() {
    let one = br#"{"type":"INSERT","table":"users","schema":"auth","record":{"id":"6f1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d"},"old_record":null}"#;
    let other = br#"{"old_record":null,"record":{"id":"6f1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d"},"schema":"auth","table":"users","type":"INSERT"}"#;

    let key_one = ParsedEvent::parse(Source::DbWebhook, one).unwrap().key;
    let key_other = ParsedEvent::parse(Source::DbWebhook, other).unwrap().key;

    assert_eq!(key_one, key_other);
}

#[test]
fn events_on_other_tables_are_unsupported() {
    let body = br#"{"type":"INSERT","table":"profiles","schema":"public","record":{"id":1},"old_record":null}"#;

    let event = ParsedEvent::parse(Source::DbWebhook, body).unwrap();

    assert_eq!(event.action, Action::UnsupportedChange);
}

#[test]
fn parse_failures_do_not_quote_the_body() {
    let body = hook_body(
        "after-user-created",
        user(json!({ "id": "secret@example.com" })),
    );

    let failure = ParsedEvent::parse(Source::AuthHook, &body).unwrap_err();

    assert!(
        !failure.reason.contains("example.com"),
        "{}",
        failure.reason
    );
    assert!(failure.key.as_str().starts_with("auth_hook:body:"));
}

#[test]
fn an_invalid_timestamp_is_named_without_its_value() {
    let body = hook_body(
        "after-user-created",
        user(json!({ "updated_at": "yesterday" })),
    );

    let failure = ParsedEvent::parse(Source::AuthHook, &body).unwrap_err();

    assert_eq!(
        failure.reason,
        "field `updated_at` is not a valid timestamp"
    );
}
