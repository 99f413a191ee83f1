//! Hostile input, black-box: slow and numerous connections, bodies no Supabase sends (NUL
//! characters, invalid UTF-8, deep nesting, wrong types, SQL and control characters), and
//! floods of bad signatures. Each gets a precise answer and a known stored state.
//!
//! Shared assertions come from `signature` (the front door's other tests); RELIABILITY.md
//! lists each fault with the test that proves it.

mod bodies;
mod connections;
mod nul;
mod signature_flood;
mod slow_body;

use serde_json::Value;

use crate::helpers::TestApp;

/// A stored event as the event store keeps it.
#[derive(Debug)]
struct StoredEvent {
    source: String,
    kind: String,
    status: String,
    last_error: Option<String>,
    payload: Option<Vec<u8>>,
    /// The retry worker claims only failed events whose next attempt is due.
    scheduled: bool,
}
auth_mirror::from_row!(StoredEvent {
    source,
    kind,
    status,
    last_error,
    payload,
    scheduled
});

async fn stored_events(app: &TestApp) -> Vec<StoredEvent> {
    sqlx::query_as(
        "select source, kind, status, last_error, payload, \
                next_attempt_at is not null as scheduled \
           from auth_mirror.events order by id",
    )
    .fetch_all(&app.database.pool)
    .await
    .expect("read auth_mirror.events")
}

/// Asserts the events are exactly the bodies sent to `sources`, each stored with its raw
/// bytes as `unparsed`, `failed` for `reason`, and never scheduled for a pointless retry.
async fn assert_stored_unparsed(app: &TestApp, sent: &[(&str, &[u8])], reason: &str) {
    let events = stored_events(app).await;
    assert_eq!(events.len(), sent.len(), "{events:?}");
    for (event, (source, body)) in events.iter().zip(sent) {
        assert_eq!(event.source, *source);
        assert_eq!(
            (event.kind.as_str(), event.status.as_str()),
            ("unparsed", "failed")
        );
        assert_eq!(event.last_error.as_deref(), Some(reason));
        assert_eq!(event.payload.as_deref(), Some(*body));
        assert!(!event.scheduled, "an unparsed event is not retried");
    }
}

/// Asserts db_event's answer to a verified body that does not parse.
async fn assert_malformed(response: reqwest::Response) {
    let text = crate::signature::assert_error(response, 422, "malformed_payload").await;
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["error"]["message"],
        "the payload is not a database event; it was stored as failed"
    );
}

async fn users(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&app.database.pool)
        .await
        .expect("count public.users")
}
