//! What each writer sends for a planned state: the Auth Hook body, the database event, or
//! the auth.users row the trigger sees, and the state the mirror is thereby given.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::model::ModelState;
use super::scenario::{Carried, Deletion, PlannedState, Scenario, Versioned, EMAILS, PHONES};
use crate::payloads::{db_event, hook};

/// Supabase's "no time yet".
fn placeholder() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap()
}

/// A time as PostgreSQL's `to_jsonb` writes a timestamptz.
fn db_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A time as Supabase Auth's JSON may carry it: nanoseconds, `Z`.
fn hook_time(time: DateTime<Utc>, nanos: u32) -> String {
    format!("{}{nanos:03}Z", time.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

/// The auth.users columns of one state (what the trigger sees as NEW or OLD).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthRow {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    pub user_metadata: Option<Value>,
    pub app_metadata: Option<Value>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl AuthRow {
    /// The columns whose change fires the mirror's UPDATE trigger (README: sign-ins, which
    /// change only `updated_at` and `last_sign_in_at`, do not write).
    pub fn mirrored_columns_differ(&self, other: &AuthRow) -> bool {
        let key = |row: &AuthRow| {
            (
                row.email.clone(),
                row.phone.clone(),
                row.is_anonymous,
                row.user_metadata.clone(),
                row.app_metadata.clone(),
                row.email_confirmed_at,
                row.created_at,
                row.deleted_at,
            )
        };
        key(self) != key(other)
    }

    /// The state the mirror is given when this row is written (or, `removed`, deleted).
    pub fn delivered(&self, removed: bool) -> ModelState {
        ModelState {
            email: self.email.clone(),
            phone: self.phone.clone(),
            is_anonymous: self.is_anonymous,
            user_metadata: self.user_metadata.clone(),
            app_metadata: self.app_metadata.clone(),
            email_confirmed_at: self.email_confirmed_at,
            created_at: Some(self.created_at),
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            removed,
        }
    }
}

/// One scenario played for one user: its id and the tag that makes its emails unique.
pub struct Subject<'a> {
    pub scenario: &'a Scenario,
    pub id: Uuid,
    pub tag: u32,
}

impl Subject<'_> {
    fn version_time(&self, state: &PlannedState) -> Option<DateTime<Utc>> {
        match state.version {
            Versioned::At(n) => Some(self.scenario.time(self.scenario.versions[n])),
            Versioned::Placeholder => Some(placeholder()),
            Versioned::Missing => None,
        }
    }

    fn deleted_at(&self, state: &PlannedState) -> Option<DateTime<Utc>> {
        let before = |micros: i64| {
            let at = self.version_time(state).unwrap_or(self.scenario.start);
            at - chrono::Duration::microseconds(micros)
        };
        match state.deletion {
            Deletion::Soft(micros) | Deletion::HardOfSoft(micros) => Some(before(micros)),
            Deletion::No | Deletion::Hard => None,
        }
    }

    /// The row auth.users holds in this state. Metadata the state does not carry is NULL.
    pub fn auth_row(&self, state: &PlannedState) -> AuthRow {
        let content = &self.scenario.contents[state.content];
        let metadata = |carried: Carried, value: &Value| match carried {
            Carried::Yes | Carried::InviteBlank => Some(value.clone()),
            Carried::Absent | Carried::Null => None,
        };
        AuthRow {
            email: EMAILS[content.email].map(|local| match local {
                "" => String::new(),
                local => format!("{local}.{}@example.com", self.tag),
            }),
            phone: PHONES[content.phone].map(|prefix| match prefix {
                "" => String::new(),
                prefix => format!("{prefix}{:05}", self.tag),
            }),
            is_anonymous: content.is_anonymous,
            user_metadata: metadata(state.user_metadata, &content.user_metadata),
            app_metadata: metadata(state.app_metadata, &content.app_metadata),
            email_confirmed_at: content.email_confirmed.then_some(self.scenario.start),
            created_at: state
                .created
                .map_or_else(placeholder, |micros| self.scenario.time(micros)),
            updated_at: self.version_time(state),
            deleted_at: self.deleted_at(state),
        }
    }

    /// `POST /hooks/auth`: `after-user-created` of a live state, and the state it carries.
    pub fn hook(&self, state: &PlannedState, invocation: Uuid) -> (Vec<u8>, ModelState) {
        let row = self.auth_row(state);
        let content = &self.scenario.contents[state.content];
        let nanos = self.scenario.hook_nanos;
        let mut user = Map::new();
        user.insert("id".into(), json!(self.id));
        user.insert("aud".into(), json!("authenticated"));
        user.insert("role".into(), json!(""));
        // Supabase Auth writes "" for no email or phone.
        user.insert("email".into(), json!(row.email.clone().unwrap_or_default()));
        user.insert("phone".into(), json!(row.phone.clone().unwrap_or_default()));
        user.insert("identities".into(), json!([]));
        user.insert("is_anonymous".into(), json!(row.is_anonymous));
        user.insert("created_at".into(), json!(hook_time(row.created_at, nanos)));
        if let Some(updated_at) = row.updated_at {
            user.insert("updated_at".into(), json!(hook_time(updated_at, nanos)));
        }
        if let Some(confirmed) = row.email_confirmed_at {
            user.insert(
                "email_confirmed_at".into(),
                json!(hook_time(confirmed, nanos)),
            );
        }
        let mut carried = ModelState {
            user_metadata: None,
            app_metadata: None,
            ..row.delivered(false)
        };
        for (key, form, value, slot) in [
            (
                "user_metadata",
                state.user_metadata,
                &content.user_metadata,
                &mut carried.user_metadata,
            ),
            (
                "app_metadata",
                state.app_metadata,
                &content.app_metadata,
                &mut carried.app_metadata,
            ),
        ] {
            match form {
                Carried::Yes => {
                    user.insert(key.into(), value.clone());
                    *slot = Some(value.clone());
                }
                Carried::Null => {
                    user.insert(key.into(), Value::Null);
                }
                Carried::Absent => {}
                Carried::InviteBlank => {
                    user.insert(key.into(), json!({}));
                    user.insert("invited_at".into(), json!(hook_time(row.created_at, nanos)));
                }
            }
        }
        let body = hook("after-user-created", invocation, Value::Object(user));
        (body, carried)
    }

    /// `POST /hooks/db`: the database event of this state, and the state it carries.
    pub fn db_event(&self, state: &PlannedState) -> (Vec<u8>, ModelState) {
        let row = self.auth_row(state);
        let mut record = json!({
            "id": self.id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": row.email,
            "phone": row.phone,
            "email_confirmed_at": row.email_confirmed_at.map(db_time),
            "created_at": db_time(row.created_at),
            "updated_at": row.updated_at.map(db_time),
            "deleted_at": row.deleted_at.map(db_time),
            "is_anonymous": row.is_anonymous,
            "is_sso_user": false
        });
        for (key, form, value) in [
            (
                "raw_user_meta_data",
                state.user_metadata,
                &row.user_metadata,
            ),
            ("raw_app_meta_data", state.app_metadata, &row.app_metadata),
        ] {
            match form {
                Carried::Absent => {}
                _ => record[key] = value.clone().unwrap_or(Value::Null),
            }
        }
        let removed = matches!(state.deletion, Deletion::Hard | Deletion::HardOfSoft(_));
        let body = match (removed, state.version) {
            (true, _) => db_event("DELETE", None, Some(record)),
            (false, Versioned::At(0)) => db_event("INSERT", Some(record), None),
            (false, _) => db_event("UPDATE", Some(record), None),
        };
        (body, row.delivered(removed))
    }
}
