//! The body Supabase would send for each delivery of a history: Auth Hook or db event.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{AuthState, Delivery, History, Subject};
use crate::payloads::{db_event, hook};

/// A time as PostgreSQL's `to_jsonb` writes a timestamptz.
fn db_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A time as Supabase Auth's JSON may carry it: nanoseconds, `Z`.
fn hook_time(time: DateTime<Utc>, nanos: u32) -> String {
    format!("{}{nanos:03}Z", time.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

impl History {
    fn row(&self, id: Uuid, state: &AuthState) -> Value {
        json!({
            "id": id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": state.email,
            "phone": state.phone,
            "email_confirmed_at": state.email_confirmed.then(|| db_time(self.created_at)),
            "raw_app_meta_data": state.app_metadata,
            "raw_user_meta_data": state.user_metadata,
            "created_at": db_time(self.created_at),
            "updated_at": db_time(state.updated_at),
            "deleted_at": state.deleted.then(|| db_time(state.updated_at)),
            "is_anonymous": state.is_anonymous,
            "is_sso_user": false
        })
    }

    fn hook_user(&self, id: Uuid, invited: bool) -> Value {
        let state = &self.states[0];
        let created_at = hook_time(self.created_at, self.hook_nanos);
        let mut user = json!({
            "id": id,
            "aud": "authenticated",
            "role": "",
            "email": state.email.unwrap_or(""),
            "phone": state.phone.unwrap_or(""),
            "app_metadata": state.app_metadata,
            "user_metadata": state.user_metadata,
            "identities": [],
            "created_at": created_at,
            "updated_at": hook_time(state.updated_at, self.hook_nanos),
            "is_anonymous": state.is_anonymous
        });
        if state.email_confirmed {
            user["email_confirmed_at"] = json!(created_at);
        }
        if invited {
            user["invited_at"] = json!(created_at);
            user["user_metadata"] = json!({});
        }
        user
    }

    pub(super) fn body(&self, delivery: Delivery, subject: &Subject) -> (&'static str, Vec<u8>) {
        let id = subject.id;
        match delivery {
            Delivery::Hook { invited } => (
                "/hooks/auth",
                hook(
                    "after-user-created",
                    subject.invocation,
                    self.hook_user(id, invited),
                ),
            ),
            Delivery::Write(0) => (
                "/hooks/db",
                db_event("INSERT", Some(self.row(id, &self.states[0])), None),
            ),
            Delivery::Write(n) => (
                "/hooks/db",
                db_event(
                    "UPDATE",
                    Some(self.row(id, &self.states[n])),
                    Some(self.row(id, &self.states[n - 1])),
                ),
            ),
            Delivery::Delete => {
                let last = self.states.last().expect("one state at least");
                (
                    "/hooks/db",
                    db_event("DELETE", None, Some(self.row(id, last))),
                )
            }
        }
    }
}
