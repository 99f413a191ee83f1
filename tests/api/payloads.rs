//! Bodies shaped like Supabase's: Auth Hook requests and database events on auth.users.

use serde_json::{json, Value};
use uuid::Uuid;

/// A user as Supabase Auth serialises it in an Auth Hook (`*_at` absent when null, `""` for
/// no email or phone).
pub fn hook_user(id: Uuid, email: &str, updated_at: &str) -> Value {
    json!({
        "id": id,
        "aud": "authenticated",
        "role": "",
        "email": email,
        "phone": "",
        "app_metadata": { "provider": "email", "providers": ["email"] },
        "user_metadata": { "full_name": "Ada Lovelace" },
        "identities": [],
        "created_at": "2024-05-01T10:00:00.123456789Z",
        "updated_at": updated_at,
        "is_anonymous": false
    })
}

/// An Auth Hook request; `invocation` is `metadata.uuid`, stable across retries.
pub fn hook(name: &str, invocation: Uuid, user: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "metadata": {
            "uuid": invocation,
            "time": "2024-05-01T10:00:01Z",
            "name": name,
            "ip_address": "127.0.0.1"
        },
        "user": user
    }))
    .unwrap()
}

/// A row of auth.users as `to_jsonb` writes it (the safe columns).
pub fn auth_row(id: Uuid, email: Option<&str>, updated_at: &str) -> Value {
    json!({
        "id": id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": email,
        "phone": null,
        "email_confirmed_at": null,
        "raw_app_meta_data": { "provider": "email", "providers": ["email"] },
        "raw_user_meta_data": { "full_name": "Ada Lovelace" },
        "created_at": "2024-05-01T10:00:00.123456+00:00",
        "updated_at": updated_at,
        "deleted_at": null,
        "is_anonymous": false,
        "is_sso_user": false
    })
}

/// A database event in the shape of Supabase's Database Webhooks.
pub fn db_event(operation: &str, record: Option<Value>, old_record: Option<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": operation,
        "table": "users",
        "schema": "auth",
        "record": record,
        "old_record": old_record
    }))
    .unwrap()
}
