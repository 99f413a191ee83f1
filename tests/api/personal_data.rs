//! A deleted user's personal data does not linger in the event store: when the mirror row
//! becomes a tombstone (any path), the payloads of that user's stored events are expunged in
//! the same transaction; what happened to each event (kind, status, effect) is kept.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{as_auth_admin, spawn_app, Signup, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

const T1: &str = "2024-05-01T10:00:00.123456+00:00";
const T2: &str = "2024-05-01T11:30:00.654321+00:00";

/// One stored event of a user, as the event store keeps it.
#[derive(Debug, PartialEq)]
struct Kept {
    kind: String,
    status: String,
    effect: Option<String>,
    has_payload: bool,
    last_error: Option<String>,
}
auth_mirror::from_row!(Kept {
    kind,
    status,
    effect,
    has_payload,
    last_error
});

async fn events_of(pool: &PgPool, id: Uuid) -> Vec<Kept> {
    sqlx::query_as(
        "select kind, status, effect, payload is not null as has_payload, last_error \
           from auth_mirror.events where user_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .expect("read auth_mirror.events")
}

fn kept(kind: &str, status: &str, effect: Option<&str>, has_payload: bool) -> Kept {
    Kept {
        kind: kind.into(),
        status: status.into(),
        effect: effect.map(Into::into),
        has_payload,
        last_error: None,
    }
}

async fn post(app: &TestApp, path: &str, body: &[u8]) {
    let response = app.post_signed(path, body).await;
    assert_eq!(response.status(), 200, "{path}");
}

fn after_user_created(id: Uuid) -> Vec<u8> {
    hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, "ada@example.com", "2024-05-01T10:00:00.123456Z"),
    )
}

#[tokio::test]
async fn a_hard_delete_over_http_expunges_the_payloads_of_the_users_events() {
    let app = spawn_app().await;
    let (id, other) = (Uuid::new_v4(), Uuid::new_v4());
    let live = auth_row(id, Some("ada@example.com"), T1);
    let mut changed = auth_row(id, Some("ada.l@example.com"), T2);
    changed["raw_user_meta_data"] = json!({ "full_name": "Ada L." });
    post(&app, "/hooks/auth", &after_user_created(id)).await;
    post(&app, "/hooks/auth", &after_user_created(other)).await;
    post(
        &app,
        "/hooks/db",
        &db_event("UPDATE", Some(changed.clone()), Some(live)),
    )
    .await;

    post(&app, "/hooks/db", &db_event("DELETE", None, Some(changed))).await;

    assert_eq!(
        events_of(&app.database.pool, id).await,
        [
            kept("after-user-created", "applied", Some("inserted"), false),
            kept("UPDATE", "applied", Some("updated"), false),
            kept("DELETE", "applied", Some("updated"), false),
        ]
    );
    assert_eq!(
        events_of(&app.database.pool, other).await,
        [kept(
            "after-user-created",
            "applied",
            Some("inserted"),
            true
        )]
    );
}

#[tokio::test]
async fn a_soft_delete_over_http_expunges_the_payloads_and_so_does_a_late_stale_event() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let live = auth_row(id, Some("ada@example.com"), T1);
    let mut soft_deleted = auth_row(id, Some("3b5d2e8a9c1f4e7b"), T2);
    soft_deleted["deleted_at"] = json!(T2);
    post(
        &app,
        "/hooks/db",
        &db_event("INSERT", Some(live.clone()), None),
    )
    .await;
    post(
        &app,
        "/hooks/db",
        &db_event("UPDATE", Some(soft_deleted), Some(live)),
    )
    .await;

    // The Auth Hook of the signup arrives late, after the tombstone.
    post(&app, "/hooks/auth", &after_user_created(id)).await;

    assert_eq!(
        events_of(&app.database.pool, id).await,
        [
            kept("INSERT", "applied", Some("inserted"), false),
            kept("UPDATE", "applied", Some("updated"), false),
            kept("after-user-created", "applied", Some("stale"), false),
        ]
    );
}

#[tokio::test]
async fn a_delete_in_auth_users_expunges_the_payloads_through_the_trigger() {
    let app = spawn_app().await;
    let pool = &app.database.pool;
    let signup = Signup::email("ada@example.com", "2024-05-01T10:00:00.123456Z");
    post(&app, "/hooks/auth", &after_user_created(signup.id)).await;
    as_auth_admin(pool, &signup.sql()).await;
    assert!(events_of(pool, signup.id).await[0].has_payload);

    as_auth_admin(
        pool,
        &format!("delete from users where id = '{}'", signup.id),
    )
    .await;

    assert_eq!(
        events_of(pool, signup.id).await,
        [kept(
            "after-user-created",
            "applied",
            Some("inserted"),
            false
        )]
    );
}

#[tokio::test]
async fn a_failed_event_of_a_deleted_user_keeps_its_status_and_says_its_payload_is_gone() {
    let app = spawn_app().await;
    let pool = &app.database.pool;
    sqlx::query(
        "alter table public.users add constraint test_blocks \
         check (email is distinct from 'ada@example.com')",
    )
    .execute(pool)
    .await
    .unwrap();
    let id = Uuid::new_v4();
    post(&app, "/hooks/auth", &after_user_created(id)).await;

    let live = auth_row(id, Some("ada@example.com"), T1);
    post(&app, "/hooks/db", &db_event("DELETE", None, Some(live))).await;

    let events = events_of(pool, id).await;
    assert_eq!(events.len(), 2, "{events:?}");
    let failed = &events[0];
    assert_eq!(
        (failed.status.as_str(), failed.has_payload),
        ("failed", false)
    );
    let reason = failed.last_error.as_deref().unwrap_or_default();
    assert!(
        reason.contains("23514"),
        "the first reason is kept: {reason}"
    );
    assert!(reason.contains("payload expunged"), "{reason}");
    assert_eq!(
        events[1],
        kept("DELETE", "applied", Some("inserted"), false)
    );
}
