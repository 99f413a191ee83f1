//! Parsing a verified delivery into what it asks of the mirror.

use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::nul;
use super::user_state::UserState;
use super::wire::{DbPayload, HookPayload, WireUser};

/// Which endpoint a delivery came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Supabase Auth Hooks, `POST /hooks/auth`.
    AuthHook,
    /// Database events on `auth.users`, `POST /hooks/db`.
    DbWebhook,
}

impl Source {
    /// The name stored in `auth_mirror.events.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthHook => "auth_hook",
            Self::DbWebhook => "db_webhook",
        }
    }

    /// The source named `text` in `auth_mirror.events.source`, if it is one.
    pub fn from_sql(text: &str) -> Option<Self> {
        [Self::AuthHook, Self::DbWebhook]
            .into_iter()
            .find(|source| source.as_str() == text)
    }
}

/// The stable idempotency key of an event. Supabase sends a new `webhook-id` on every retry,
/// so the key comes from the content: an Auth Hook's `metadata.uuid` (stable across retries
/// of one invocation), else a digest of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKey(String);

impl EventKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn of_hook_invocation(invocation: Uuid) -> Self {
        Self(format!("hook:{invocation}"))
    }

    fn of_content(prefix: &str, bytes: &[u8]) -> Self {
        Self(format!("{prefix}:{}", hex::encode(Sha256::digest(bytes))))
    }
}

/// What a parsed event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Apply this user state with the convergence rule.
    Mirror(UserState),
    /// `before-user-created`: record it and let the signup proceed; no mirror row yet.
    Allow,
    /// An Auth Hook this service does not implement; answering it with a silent success
    /// would hide a misconfiguration.
    UnsupportedHook(String),
    /// A database event this service does not mirror (another table, TRUNCATE...).
    UnsupportedChange,
}

/// A verified delivery, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    pub key: EventKey,
    /// The hook name or the database operation.
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub action: Action,
}

/// A verified delivery that does not parse. `reason` never quotes the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub key: EventKey,
    pub reason: String,
}

/// JSON is UTF-8 (RFC 8259); serde would only say where the first bad byte is.
const NOT_UTF8_REASON: &str = "the body is not valid UTF-8";

const AFTER_USER_CREATED: &str = "after-user-created";
const BEFORE_USER_CREATED: &str = "before-user-created";

impl ParsedEvent {
    /// Parses the raw body of a verified delivery.
    pub fn parse(source: Source, body: &[u8]) -> Result<Self, ParseFailure> {
        // The source is part of the key: the same bad bytes sent to both endpoints are two
        // events.
        let fail = |reason: String| ParseFailure {
            key: EventKey::of_content(&format!("{}:body", source.as_str()), body),
            reason,
        };
        if std::str::from_utf8(body).is_err() {
            return Err(fail(NOT_UTF8_REASON.into()));
        }
        let event = match source {
            Source::AuthHook => parse_hook(body),
            Source::DbWebhook => parse_db_event(body),
        }
        .map_err(fail)?;
        // After parsing, so that a body that is not an event at all says so first.
        if nul::contains_nul(body) {
            return Err(fail(nul::NUL_REASON.into()));
        }
        Ok(event)
    }
}

fn parse_hook(body: &[u8]) -> Result<ParsedEvent, String> {
    let payload: HookPayload = serde_json::from_slice(body).map_err(|error| describe(&error))?;
    // Supabase retries with the same bytes, so without a `metadata.uuid` they are the key.
    let key = match payload.metadata.uuid {
        Some(invocation) => EventKey::of_hook_invocation(invocation),
        None => EventKey::of_content("hook", body),
    };
    let user_id = payload
        .user
        .as_ref()
        .and_then(|user| user.get("id"))
        .and_then(Value::as_str)
        .and_then(|id| Uuid::parse_str(id).ok());
    let name = payload.metadata.name;
    let action = match name.as_str() {
        AFTER_USER_CREATED => {
            let user: WireUser = from_value(payload.user.unwrap_or(Value::Null))?;
            Action::Mirror(UserState::from_wire(user, false).map_err(|error| error.to_string())?)
        }
        BEFORE_USER_CREATED => Action::Allow,
        _ => Action::UnsupportedHook(name.clone()),
    };
    Ok(ParsedEvent {
        key,
        kind: name,
        user_id,
        action,
    })
}

fn parse_db_event(body: &[u8]) -> Result<ParsedEvent, String> {
    let value: Value = serde_json::from_slice(body).map_err(|error| describe(&error))?;
    // serde_json's maps are ordered by key, so this text is canonical: the same event
    // re-serialised in another key order gets the same key.
    let key = EventKey::of_content("db", value.to_string().as_bytes());
    let payload: DbPayload = from_value(value)?;
    let is_auth_users = payload.schema == "auth" && payload.table == "users";
    let row = match (payload.operation.as_str(), is_auth_users) {
        ("INSERT" | "UPDATE", true) => Some((payload.record, "record", false)),
        ("DELETE", true) => Some((payload.old_record, "old_record", true)),
        _ => None,
    };
    let (user_id, action) = match row {
        Some((row, field, removed)) => {
            let row: WireUser = row
                .ok_or_else(|| format!("missing field `{field}`"))
                .and_then(from_value)?;
            let state = UserState::from_wire(row, removed).map_err(|error| error.to_string())?;
            (Some(state.id), Action::Mirror(state))
        }
        None => (None, Action::UnsupportedChange),
    };
    Ok(ParsedEvent {
        key,
        kind: payload.operation,
        user_id,
        action,
    })
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|error| describe(&error))
}

/// A reason without personal data: serde's messages can quote values ("invalid type: string
/// \"a@b.c\""), so only messages that name a field are kept whole.
fn describe(error: &serde_json::Error) -> String {
    let message = error.to_string();
    if message.starts_with("missing field") {
        return message;
    }
    // serde_json stops at 128 levels rather than exhaust the stack.
    if message.starts_with("recursion limit exceeded") {
        return "JSON nested deeper than 128 levels".into();
    }
    match error.classify() {
        serde_json::error::Category::Io => "unreadable body".into(),
        serde_json::error::Category::Syntax => {
            format!(
                "invalid JSON at line {} column {}",
                error.line(),
                error.column()
            )
        }
        serde_json::error::Category::Eof => "truncated JSON".into(),
        serde_json::error::Category::Data => "a field has an unexpected type or value".into(),
    }
}
