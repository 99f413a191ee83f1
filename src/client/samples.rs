//! Sample events in Supabase's real shapes, for `auth-mirror send`: an Auth Hook request as
//! Supabase Auth sends it, or a database event as `sql/db-webhook.sql` sends it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// Which sample to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SampleKind {
    /// Auth Hook `after-user-created` (`/hooks/auth`): mirrored.
    AfterUserCreated,
    /// Auth Hook `before-user-created` (`/hooks/auth`): recorded and allowed.
    BeforeUserCreated,
    /// Database event INSERT on auth.users (`/hooks/db`).
    DbInsert,
    /// Database event UPDATE on auth.users (`/hooks/db`).
    DbUpdate,
    /// Database event DELETE on auth.users (`/hooks/db`).
    DbDelete,
}

impl SampleKind {
    /// The path a bare origin gets for this kind.
    pub fn default_path(self) -> &'static str {
        if self.is_auth_hook() {
            "/hooks/auth"
        } else {
            "/hooks/db"
        }
    }

    pub fn is_auth_hook(self) -> bool {
        matches!(self, Self::AfterUserCreated | Self::BeforeUserCreated)
    }
}

/// The body of a sample `kind` about user `user_id`, stamped `now`. The email is
/// `auth-mirror-send+<first 8 hex digits of the id>@example.com`.
pub fn body(kind: SampleKind, user_id: Uuid, now: DateTime<Utc>) -> Vec<u8> {
    let value = match kind {
        SampleKind::AfterUserCreated => auth_hook("after-user-created", hook_user(user_id, now)),
        SampleKind::BeforeUserCreated => {
            let mut user = hook_user(user_id, now);
            // Before the insert the user has no timestamps yet: Go's zero time.
            user["created_at"] = json!("0001-01-01T00:00:00Z");
            user["updated_at"] = json!("0001-01-01T00:00:00Z");
            user["identities"] = json!([]);
            auth_hook("before-user-created", user)
        }
        SampleKind::DbInsert => db_event("INSERT", Some(auth_row(user_id, now, now)), None),
        SampleKind::DbUpdate => {
            let before = now - chrono::Duration::minutes(1);
            let mut after = auth_row(user_id, before, now);
            after["raw_user_meta_data"]["full_name"] = json!("Sample User (renamed)");
            db_event(
                "UPDATE",
                Some(after),
                Some(auth_row(user_id, before, before)),
            )
        }
        SampleKind::DbDelete => db_event("DELETE", None, Some(auth_row(user_id, now, now))),
    };
    serde_json::to_vec(&value).expect("JSON values serialise")
}

fn email(user_id: Uuid) -> String {
    format!(
        "auth-mirror-send+{}@example.com",
        &user_id.simple().to_string()[..8]
    )
}

/// Supabase Auth's wrapper: `metadata` (a fresh invocation uuid) and the user.
fn auth_hook(name: &str, user: Value) -> Value {
    json!({
        "metadata": {
            "uuid": Uuid::new_v4(),
            "time": rfc3339(Utc::now()),
            "name": name,
            "ip_address": "127.0.0.1"
        },
        "user": user
    })
}

/// A user as Supabase Auth serialises it: `*_at` absent when null, `""` for no phone.
fn hook_user(id: Uuid, now: DateTime<Utc>) -> Value {
    let email = email(id);
    let at = rfc3339(now);
    let identity_data = json!({
        "email": email, "email_verified": false, "phone_verified": false, "sub": id
    });
    json!({
        "id": id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": email,
        "phone": "",
        "confirmation_sent_at": at,
        "app_metadata": { "provider": "email", "providers": ["email"] },
        "user_metadata": identity_data,
        "identities": [{
            "identity_id": Uuid::new_v4(),
            "id": id,
            "user_id": id,
            "identity_data": identity_data,
            "provider": "email",
            "last_sign_in_at": at,
            "created_at": at,
            "updated_at": at,
            "email": email
        }],
        "created_at": at,
        "updated_at": at,
        "is_anonymous": false
    })
}

/// A row of auth.users with the safe column list of `sql/db-webhook.sql`.
fn auth_row(id: Uuid, created: DateTime<Utc>, updated: DateTime<Utc>) -> Value {
    json!({
        "id": id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": email(id),
        "phone": null,
        "email_confirmed_at": null,
        "phone_confirmed_at": null,
        "confirmed_at": null,
        "invited_at": null,
        "last_sign_in_at": null,
        "banned_until": null,
        "raw_user_meta_data": { "full_name": "Sample User" },
        "raw_app_meta_data": { "provider": "email", "providers": ["email"] },
        "is_anonymous": false,
        "is_sso_user": false,
        "created_at": postgres_time(created),
        "updated_at": postgres_time(updated),
        "deleted_at": null
    })
}

fn db_event(operation: &str, record: Option<Value>, old_record: Option<Value>) -> Value {
    json!({
        "type": operation,
        "table": "users",
        "schema": "auth",
        "record": record,
        "old_record": old_record
    })
}

/// RFC 3339 with nanoseconds, as Go (Supabase Auth) writes it.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// `timestamptz` as PostgreSQL's `to_jsonb` writes it: microseconds, `+00:00`.
fn postgres_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}
