//! Deliveries that verify but cannot be applied, and a database that cannot take them: the
//! event is kept as `failed` (or the sender is asked to retry), never silently dropped.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_adjusted, TestApp};
use crate::payloads::{db_event, hook, hook_user};

/// What the event store holds about the only stored event.
#[derive(Debug)]
struct StoredEvent {
    kind: String,
    status: String,
    last_error: Option<String>,
    payload: Option<Vec<u8>>,
}
auth_mirror::from_row!(StoredEvent {
    kind,
    status,
    last_error,
    payload
});

async fn only_event(app: &TestApp) -> StoredEvent {
    let mut events: Vec<StoredEvent> = sqlx::query_as(
        "select kind, status, last_error, payload from auth_mirror.events order by id",
    )
    .fetch_all(&app.database.pool)
    .await
    .expect("read auth_mirror.events");
    assert_eq!(events.len(), 1, "{events:?}");
    events.remove(0)
}

async fn users(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&app.database.pool)
        .await
        .expect("count public.users")
}

const SECRET_EMAIL: &str = "ada.private@example.com";

/// Bodies that verify but are not Auth Hook requests. Each quotes a personal email.
fn unparseable_hooks() -> Vec<(&'static str, Vec<u8>)> {
    let truncated = format!(
        r#"{{"user":{{"email":"{SECRET_EMAIL}","id":"{}"}},"metadata":"#,
        Uuid::new_v4()
    );
    let without_metadata = json!({
        "user": hook_user(Uuid::new_v4(), SECRET_EMAIL, "2024-05-01T10:00:00Z")
    });
    let wrong_type = json!({ "metadata": SECRET_EMAIL, "user": null });
    vec![
        ("truncated", truncated.into_bytes()),
        (
            "without metadata",
            serde_json::to_vec(&without_metadata).unwrap(),
        ),
        (
            "metadata of the wrong type",
            serde_json::to_vec(&wrong_type).unwrap(),
        ),
    ]
}

#[tokio::test]
async fn an_unparseable_hook_is_answered_with_success_and_stored_as_failed() {
    for (case, body) in unparseable_hooks() {
        let app = spawn_app().await;

        let response = app.post_signed("/hooks/auth", &body).await;

        assert_eq!(response.status(), 200, "{case}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({}), "{case}");
        let event = only_event(&app).await;
        assert_eq!(event.kind, "unparsed", "{case}");
        assert_eq!(event.status, "failed", "{case}");
        assert_eq!(event.payload.as_deref(), Some(&body[..]), "{case}");
        let reason = event.last_error.expect("a reason");
        assert!(
            reason.starts_with(expected_reason(case)),
            "{case}: {reason}"
        );
        assert!(!reason.contains(SECRET_EMAIL), "{case}: {reason}");
        assert!(!reason.contains("example.com"), "{case}: {reason}");
        assert_eq!(users(&app).await, 0, "{case}");
    }
}

/// What `last_error` says for each of `unparseable_hooks`: where or what, never a value.
fn expected_reason(case: &str) -> &'static str {
    match case {
        "truncated" => "truncated JSON",
        "without metadata" => "missing field `metadata`",
        _ => "a field has an unexpected type or value",
    }
}

#[tokio::test]
async fn an_unparseable_db_event_is_answered_422_and_stored_as_failed() {
    let id = Uuid::new_v4();
    let truncated = format!(
        r#"{{"type":"INSERT","schema":"auth","table":"users","record":{{"id":"{id}","email":"{SECRET_EMAIL}""#
    );
    let insert_without_record = db_event("INSERT", None, None);
    let mut bad_id = serde_json::from_slice::<Value>(&db_event(
        "INSERT",
        Some(json!({ "id": SECRET_EMAIL, "email": SECRET_EMAIL })),
        None,
    ))
    .unwrap();
    bad_id["record"]["updated_at"] = json!("2024-05-01T10:00:00Z");
    for (case, body) in [
        ("truncated", truncated.into_bytes()),
        ("insert without record", insert_without_record),
        ("id not a uuid", serde_json::to_vec(&bad_id).unwrap()),
    ] {
        let app = spawn_app().await;

        let response = app.post_signed("/hooks/db", &body).await;

        assert_eq!(response.status(), 422, "{case}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["error"]["code"], "malformed_payload",
            "{case}: {answer}"
        );
        let event = only_event(&app).await;
        assert_eq!(event.kind, "unparsed", "{case}");
        assert_eq!(event.status, "failed", "{case}");
        let reason = event.last_error.expect("a reason");
        assert!(!reason.contains("example.com"), "{case}: {reason}");
        assert_eq!(users(&app).await, 0, "{case}");
    }
}

#[tokio::test]
async fn a_row_the_database_rejects_leaves_a_failed_event_and_a_success_answer() {
    let app = spawn_app().await;
    sqlx::query(
        "alter table public.users add constraint no_example check (email not like '%@example.com')",
    )
    .execute(&app.database.pool)
    .await
    .unwrap();
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, SECRET_EMAIL, "2024-05-01T10:00:00Z"),
    );

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let event = only_event(&app).await;
    assert_eq!(event.kind, "after-user-created");
    assert_eq!(event.status, "failed");
    assert_eq!(event.payload.as_deref(), Some(&body[..]));
    let reason = event.last_error.expect("a reason");
    assert!(reason.contains("23514"), "{reason}");
    assert!(reason.contains("no_example"), "{reason}");
    assert!(!reason.contains("example.com"), "{reason}");
    assert_eq!(app.mirror_row(id).await, None);
}

#[tokio::test]
async fn an_invalid_updated_at_is_stored_as_failed_and_answered_with_success() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, SECRET_EMAIL, "yesterday at noon"),
    );

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let event = only_event(&app).await;
    assert_eq!(event.status, "failed");
    let reason = event.last_error.expect("a reason");
    assert!(reason.contains("updated_at"), "{reason}");
    assert!(!reason.contains("yesterday"), "{reason}");
    assert_eq!(app.mirror_row(id).await, None);
}

#[tokio::test]
async fn an_unreachable_database_with_a_full_spool_is_answered_503_with_retry_after() {
    let app = spawn_app_adjusted(|config| config.spool.max_bytes = 0).await;
    app.database.drop_now().await;
    let body = private_hook("after-user-created", "2024-05-01T10:00:00Z");

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 503);
    assert!(
        response.headers().contains_key("retry-after"),
        "{:?}",
        response.headers()
    );
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "unavailable", "{answer}");
    assert!(!answer.to_string().contains("example.com"), "{answer}");
}

#[tokio::test]
async fn an_unreachable_database_gets_the_delivery_spooled_and_answered_with_success() {
    let app = spawn_app().await;
    app.database.drop_now().await;
    let body = private_hook("after-user-created", "2024-05-01T10:00:00Z");

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["spool"]["records"], 1, "{ready}");
    // Durable on disk: a segment file holds it.
    let segments = walk(app.spool_dir.path())
        .into_iter()
        .filter(|path| path.extension().is_some_and(|extension| extension == "seg"))
        .count();
    assert_eq!(segments, 1);
}

/// An Auth Hook `name` for a new user with a personal email, created at `created_at`.
fn private_hook(name: &str, created_at: &str) -> Vec<u8> {
    hook(
        name,
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), SECRET_EMAIL, created_at),
    )
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .flat_map(|path| {
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[tokio::test]
async fn an_unreachable_database_never_blocks_a_signup_at_before_user_created() {
    // Nothing can record it: neither the database nor the spool.
    let app = spawn_app_adjusted(|config| config.spool.max_bytes = 0).await;
    app.database.drop_now().await;
    let body = private_hook("before-user-created", "0001-01-01T00:00:00Z");

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
}

#[tokio::test]
async fn the_same_unparseable_bytes_sent_to_both_endpoints_are_two_events() {
    let app = spawn_app().await;
    let body = br#"{"metadata":"#;

    let auth = app.post_signed("/hooks/auth", body).await;
    let db = app.post_signed("/hooks/db", body).await;

    assert_eq!(auth.status(), 200);
    assert_eq!(db.status(), 422);
    let sources: Vec<String> =
        sqlx::query_scalar("select source from auth_mirror.events order by id")
            .fetch_all(&app.database.pool)
            .await
            .unwrap();
    assert_eq!(sources, vec!["auth_hook", "db_webhook"]);
}

#[tokio::test]
async fn an_apply_failure_without_a_constraint_is_recorded_by_its_sqlstate_alone() {
    let app = spawn_app().await;
    sqlx::raw_sql(
        "create function public.test_refuse() returns trigger language plpgsql as $$ \
         begin raise exception 'refused %', new.email using errcode = '22023'; end $$; \
         create trigger test_refuse before insert on public.users \
             for each row execute function public.test_refuse();",
    )
    .execute(&app.database.pool)
    .await
    .unwrap();
    let body = private_hook("after-user-created", "2024-05-01T10:00:00Z");

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    let event = only_event(&app).await;
    assert_eq!(event.status, "failed");
    // The message quotes the email: only the SQLSTATE is kept.
    assert_eq!(event.last_error.as_deref(), Some("database error 22023"));
}
