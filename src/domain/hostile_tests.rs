//! Bodies no Supabase sends but an attacker holding a secret, or a bug, could: each is a
//! parse failure with a precise reason that quotes nothing of the body.

use serde_json::json;

use super::tests::{hook_body, user};
use super::{ParsedEvent, Source};

const SOURCES: [Source; 2] = [Source::AuthHook, Source::DbWebhook];

fn reason(source: Source, body: &[u8]) -> String {
    ParsedEvent::parse(source, body).unwrap_err().reason
}

fn db_insert(record: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "INSERT", "table": "users", "schema": "auth", "record": record, "old_record": null
    }))
    .unwrap()
}

const NUL: &str = "the payload contains a NUL character (\\u0000), which PostgreSQL cannot store in text or jsonb";

#[test]
fn a_nul_character_in_a_mirrored_field_is_refused_with_its_reason() {
    let hook = hook_body(
        "after-user-created",
        user(json!({ "user_metadata": { "name": "Ada\u{0}" } })),
    );
    let db = db_insert(user(json!({ "email": "ada\u{0}@example.com" })));

    assert_eq!(reason(Source::AuthHook, &hook), NUL);
    assert_eq!(reason(Source::DbWebhook, &db), NUL);
}

#[test]
fn a_nul_character_anywhere_refuses_the_whole_body() {
    // Not only the mirrored fields: the hook name is stored as the event's kind, and a NUL in
    // a field mirrored tomorrow must not slip through.
    let in_name = hook_body("after-user-created\u{0}", user(json!({})));
    let in_a_key = hook_body("before-user-created", user(json!({ "x\u{0}": 1 })));

    assert_eq!(reason(Source::AuthHook, &in_name), NUL);
    assert_eq!(reason(Source::AuthHook, &in_a_key), NUL);
}

#[test]
fn control_characters_other_than_nul_are_kept() {
    let controls: String = (1u8..0x20).map(char::from).collect();
    let body = hook_body(
        "after-user-created",
        user(json!({ "user_metadata": { "bio": controls } })),
    );

    assert!(ParsedEvent::parse(Source::AuthHook, &body).is_ok());
}

#[test]
fn invalid_utf8_is_named_as_such() {
    let mut body = hook_body("after-user-created", user(json!({ "email": "zoe@x.io" })));
    let at = body.iter().position(|&byte| byte == b'z').unwrap();
    body[at] = 0xff;

    for source in SOURCES {
        assert_eq!(reason(source, &body), "the body is not valid UTF-8");
    }
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    let body = format!(r#"{{"user":{}"#, "[".repeat(100_000));

    for source in SOURCES {
        assert_eq!(
            reason(source, body.as_bytes()),
            "JSON nested deeper than 128 levels"
        );
    }
}

#[test]
fn wrong_types_for_known_fields_are_refused_without_quoting_them() {
    for wrong in [
        json!({ "email": 42 }),
        json!({ "is_anonymous": "secret@example.com" }),
        json!({ "id": ["secret@example.com"] }),
    ] {
        let body = hook_body("after-user-created", user(wrong.clone()));

        assert_eq!(
            reason(Source::AuthHook, &body),
            "a field has an unexpected type or value",
            "{wrong}"
        );
    }
}
