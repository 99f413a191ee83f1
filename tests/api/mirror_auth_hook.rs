//! `POST /hooks/auth`: Supabase Auth Hooks mirrored into public.users.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::spawn_app;
use crate::payloads::{hook, hook_user};

#[tokio::test]
async fn after_user_created_is_mirrored_and_answered_with_an_empty_object() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, "Ada@Example.com", "2024-05-01T10:00:00.123456789Z"),
    );

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let row = app.mirror_row(id).await.expect("mirror row");
    assert_eq!(row["email"], "Ada@Example.com");
    assert_eq!(row["phone"], Value::Null);
    assert_eq!(row["user_metadata"], json!({ "full_name": "Ada Lovelace" }));
    assert_eq!(row["app_metadata"]["provider"], "email");
    // Nanoseconds are truncated to PostgreSQL's microseconds.
    assert_eq!(row["auth_updated_at"], "2024-05-01T10:00:00.123456+00:00");
    assert_eq!(row["settings"], Value::Null);
    assert_eq!(
        app.events().await,
        vec![(
            "after-user-created".into(),
            "applied".into(),
            Some("inserted".into()),
            None
        )]
    );
}

#[tokio::test]
async fn a_retried_hook_with_a_new_webhook_id_is_applied_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, "ada@example.com", "2024-05-01T10:00:00Z"),
    );
    let first = app.post_signed("/hooks/auth", &body).await;
    // Make a second apply visible: the same state applied again (an equal version wins)
    // would write the email back.
    sqlx::query("update public.users set email = 'edited@example.com' where id = $1")
        .bind(id)
        .execute(&app.database.pool)
        .await
        .unwrap();
    let marks = |pool| async move {
        sqlx::query_as::<_, (String, chrono::DateTime<chrono::Utc>)>(
            "select xmin::text, updated_at from public.users where id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let before_retry = marks(&app.database.pool).await;

    let retry = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(
        marks(&app.database.pool).await,
        before_retry,
        "the retry wrote the row"
    );
    let row = app.mirror_row(id).await.expect("mirrored");
    assert_eq!(row["email"], "edited@example.com");
    assert_eq!(
        app.events().await,
        vec![(
            "after-user-created".into(),
            "applied".into(),
            Some("inserted".into()),
            None
        )]
    );
}

#[tokio::test]
async fn before_user_created_is_recorded_and_allowed_without_a_mirror_row() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "before-user-created",
        Uuid::new_v4(),
        hook_user(id, "ada@example.com", "0001-01-01T00:00:00Z"),
    );

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(app.mirror_row(id).await, None);
    assert_eq!(
        app.events().await,
        vec![("before-user-created".into(), "ignored".into(), None, None)]
    );
}

#[tokio::test]
async fn other_hooks_get_supabases_error_object_naming_the_hook() {
    let app = spawn_app().await;
    for name in [
        "customize-access-token",
        "send-email",
        "send-sms",
        "mfa-verification",
        "password-verification",
    ] {
        let body = hook(
            name,
            Uuid::new_v4(),
            hook_user(Uuid::new_v4(), "a@example.com", "2024-05-01T10:00:00Z"),
        );

        let response = app.post_signed("/hooks/auth", &body).await;

        assert_eq!(response.status(), 200, "{name}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["http_code"], 500, "{name}");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(name),
            "{name}: {answer}"
        );
    }
    let statuses: Vec<String> = app
        .events()
        .await
        .into_iter()
        .map(|event| event.1)
        .collect();
    assert_eq!(statuses, vec!["ignored"; 5]);
}
