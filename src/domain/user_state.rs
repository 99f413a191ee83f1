//! A user's state as one delivery describes it: what the convergence rule compares and writes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::timestamp::{parse_time, Version};
use super::wire::WireUser;

/// One observed state of an auth user. `version` is `None` when the source had no real
/// `updated_at` (such a state never writes). `None` metadata means "not known from this
/// delivery": the stored value is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct UserState {
    pub id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    pub user_metadata: Option<Value>,
    pub app_metadata: Option<Value>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub version: Option<Version>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The auth user was hard-deleted (a DELETE of its row).
    pub removed: bool,
}

/// A field of a delivery that is not what Supabase sends; the name only, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{0}` is not a valid timestamp")]
pub struct InvalidField(pub &'static str);

impl UserState {
    /// The state a delivery describes; `removed` for the old row of a hard DELETE.
    pub(crate) fn from_wire(user: WireUser, removed: bool) -> Result<Self, InvalidField> {
        // Supabase's invite path sends `after-user-created` with the metadata blanked; the
        // real metadata is in auth.users. An empty object from an invited user says nothing.
        // (JSON null is already `None`: unknown, the stored value is kept.)
        let invited = user.invited_at.is_some();
        let user_metadata = user
            .user_metadata
            .filter(|metadata| !(invited && is_blank(metadata)));
        Ok(Self {
            id: user.id,
            email: non_empty(user.email),
            phone: non_empty(user.phone),
            is_anonymous: user.is_anonymous.unwrap_or(false),
            user_metadata,
            app_metadata: user.app_metadata,
            email_confirmed_at: time("email_confirmed_at", user.email_confirmed_at)?,
            created_at: time("created_at", user.created_at)?,
            version: time("updated_at", user.updated_at)?.and_then(Version::new),
            deleted_at: time("deleted_at", user.deleted_at)?,
            removed,
        })
    }
}

fn time(field: &'static str, text: Option<String>) -> Result<Option<DateTime<Utc>>, InvalidField> {
    text.filter(|text| !text.is_empty())
        .map(|text| parse_time(&text).map_err(|_| InvalidField(field)))
        .transpose()
}

/// Supabase writes `""` for "no email" and "no phone".
fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.is_empty())
}

fn is_blank(metadata: &Value) -> bool {
    match metadata {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}
