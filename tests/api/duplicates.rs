//! A duplicate (same stable key, new `webhook-id`) is answered and counted with what the
//! FIRST delivery came to, as stored: never a made-up "stale" or a silent success.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

/// The value of the `auth_mirror_duplicates_total` series with these labels, if any.
async fn duplicates_counted(app: &TestApp, source: &str, first_outcome: &str) -> Option<u64> {
    let text = app.metrics().await;
    let series = format!(
        "auth_mirror_duplicates_total{{source=\"{source}\",first_outcome=\"{first_outcome}\"}} "
    );
    text.lines()
        .find_map(|line| line.strip_prefix(series.as_str()))
        .map(|value| value.parse().expect("a counter value"))
}

/// Makes every mirror write fail (a constraint the mirror cannot satisfy).
async fn reject_every_mirror_write(app: &TestApp) {
    sqlx::query("alter table public.users add constraint test_rejects_all check (false) not valid")
        .execute(&app.database.pool)
        .await
        .expect("add the constraint");
}

#[tokio::test]
async fn a_duplicate_of_a_hook_whose_apply_failed_is_reported_as_failed() {
    let app = spawn_app().await;
    reject_every_mirror_write(&app).await;
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let first = app.post_signed("/hooks/auth", &body).await;
    let retry = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(
        (first.status().as_u16(), retry.status().as_u16()),
        (200, 200)
    );
    assert_eq!(
        duplicates_counted(&app, "auth_hook", "failed").await,
        Some(1)
    );
    assert_eq!(duplicates_counted(&app, "auth_hook", "stale").await, None);
    let statuses: Vec<String> = app.events().await.into_iter().map(|e| e.1).collect();
    assert_eq!(statuses, ["failed"]);
}

#[tokio::test]
async fn a_duplicate_of_a_db_event_whose_apply_failed_is_reported_as_failed() {
    let app = spawn_app().await;
    reject_every_mirror_write(&app).await;
    let row = auth_row(
        Uuid::new_v4(),
        Some("ada@example.com"),
        "2024-05-01T10:00:00+00:00",
    );
    let body = db_event("INSERT", Some(row), None);

    let first = app.post_signed("/hooks/db", &body).await;
    let retry = app.post_signed("/hooks/db", &body).await;

    assert_eq!(
        (first.status().as_u16(), retry.status().as_u16()),
        (200, 200)
    );
    assert_eq!(
        duplicates_counted(&app, "db_webhook", "failed").await,
        Some(1)
    );
}

#[tokio::test]
async fn a_duplicate_of_an_applied_hook_is_reported_with_its_effect() {
    let app = spawn_app().await;
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    app.post_signed("/hooks/auth", &body).await;
    let retry = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(
        duplicates_counted(&app, "auth_hook", "inserted").await,
        Some(1)
    );
}

#[tokio::test]
async fn a_duplicate_of_an_unsupported_hook_gets_supabases_error_object_again() {
    let app = spawn_app().await;
    let body = hook(
        "send-email",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let first = app.post_signed("/hooks/auth", &body).await;
    let retry = app.post_signed("/hooks/auth", &body).await;

    let first: Value = first.json().await.unwrap();
    assert_eq!(retry.status(), 200);
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["error"]["http_code"], 500, "{retry}");
    assert!(
        retry["error"]["message"]
            .as_str()
            .unwrap()
            .contains("send-email"),
        "{retry}"
    );
    assert_eq!(retry, first);
    assert_eq!(
        duplicates_counted(&app, "auth_hook", "unsupported_hook").await,
        Some(1)
    );
}

#[tokio::test]
async fn a_duplicate_of_before_user_created_is_allowed_again() {
    let app = spawn_app().await;
    let body = hook(
        "before-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "0001-01-01T00:00:00Z"),
    );

    app.post_signed("/hooks/auth", &body).await;
    let retry = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(
        duplicates_counted(&app, "auth_hook", "allowed").await,
        Some(1)
    );
}

#[tokio::test]
async fn a_duplicate_of_an_unparseable_db_event_is_answered_422_again() {
    let app = spawn_app().await;
    let body = br#"{"type":"INSERT","schema":"auth","table":"users","record":"#;

    let first = app.post_signed("/hooks/db", body).await;
    let retry = app.post_signed("/hooks/db", body).await;

    assert_eq!(
        (first.status().as_u16(), retry.status().as_u16()),
        (422, 422)
    );
    let answer: Value = retry.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "malformed_payload", "{answer}");
    assert_eq!(
        duplicates_counted(&app, "db_webhook", "unparsed").await,
        Some(1)
    );
}
