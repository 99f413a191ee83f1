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

/// A user as Supabase writes it: the `user` object of an Auth Hook (Supabase Auth's user
/// model: `*_at` fields absent when null, `""` for no email or phone), or a row of
/// `auth.users` as `to_jsonb` writes it, whose metadata columns are named `raw_*`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUser {
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
    #[serde(default, alias = "raw_user_meta_data")]
    pub user_metadata: Option<Value>,
    #[serde(default, alias = "raw_app_meta_data")]
    pub app_metadata: Option<Value>,
    #[serde(default)]
    pub is_anonymous: Option<bool>,
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
