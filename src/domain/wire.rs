//! Supabase's JSON, as it arrives, and nothing more. Unknown fields are ignored, so new
//! fields Supabase adds do not break parsing.

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// The body of an Auth Hook request (`POST /hooks/auth`).
#[derive(Debug, Deserialize)]
pub(crate) struct HookPayload {
    pub metadata: HookMetadata,
    #[serde(default)]
    pub user: Option<Value>,
}

/// `metadata` of an Auth Hook request; `uuid` is stable across retries of one invocation.
#[derive(Debug, Deserialize)]
pub(crate) struct HookMetadata {
    #[serde(default)]
    pub uuid: Option<Uuid>,
    pub name: String,
}

/// The `user` object of an Auth Hook, as Supabase Auth serialises its user model:
/// `*_at` fields are absent when null, `email` and `phone` are `""` when unset.
#[derive(Debug, Deserialize)]
pub(crate) struct HookUser {
    pub id: Uuid,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email_confirmed_at: Option<String>,
    #[serde(default)]
    pub invited_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_metadata: Option<Value>,
    #[serde(default)]
    pub app_metadata: Option<Value>,
    #[serde(default)]
    pub is_anonymous: bool,
}

/// The body of a database event (`POST /hooks/db`), in the shape of Supabase's Database
/// Webhooks: `record` is null on DELETE, `old_record` null on INSERT.
#[derive(Debug, Deserialize)]
pub(crate) struct DbPayload {
    #[serde(rename = "type")]
    pub operation: String,
    pub table: String,
    pub schema: String,
    #[serde(default)]
    pub record: Option<Value>,
    #[serde(default)]
    pub old_record: Option<Value>,
}

/// A row of `auth.users`, as `to_jsonb` writes it (only the columns the mirror reads).
#[derive(Debug, Deserialize)]
pub(crate) struct AuthUsersRow {
    pub id: Uuid,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email_confirmed_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub raw_user_meta_data: Option<Value>,
    #[serde(default)]
    pub raw_app_meta_data: Option<Value>,
    #[serde(default)]
    pub is_anonymous: Option<bool>,
}
