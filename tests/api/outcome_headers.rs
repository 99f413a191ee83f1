//! The `auth-mirror-*` headers of the hook endpoints say what the mirror did with the event,
//! so a sender (`auth-mirror send`, a person with curl) is never told "fine" about a failure.

use uuid::Uuid;

use crate::helpers::{sabotage, spawn_app};
use crate::payloads::{hook, hook_user};

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_applied_event_a_retry_of_it_and_an_older_state_each_say_what_happened() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let newer = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "ada@example.com", "2024-05-01T10:00:05Z"),
    );
    let older = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let applied = app.post_signed("/hooks/auth", &newer).await;
    let retried = app.post_signed("/hooks/auth", &newer).await;
    let stale = app.post_signed("/hooks/auth", &older).await;

    assert_eq!(
        header(&applied, "auth-mirror-outcome").as_deref(),
        Some("applied")
    );
    assert_eq!(header(&applied, "auth-mirror-duplicate"), None);
    assert_eq!(
        header(&retried, "auth-mirror-outcome").as_deref(),
        Some("applied")
    );
    assert_eq!(
        header(&retried, "auth-mirror-duplicate").as_deref(),
        Some("true")
    );
    assert_eq!(
        header(&stale, "auth-mirror-outcome").as_deref(),
        Some("stale")
    );
    for response in [&applied, &retried, &stale] {
        assert_eq!(response.status(), 200);
        assert_eq!(header(response, "auth-mirror-error"), None);
    }
}

#[tokio::test]
async fn a_failed_apply_says_failed_with_the_stored_reason_and_no_personal_data() {
    let app = spawn_app().await;
    sabotage(&app).await;
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200, "Supabase still sees success");
    assert_eq!(
        header(&response, "auth-mirror-outcome").as_deref(),
        Some("failed")
    );
    let stored: String = sqlx::query_scalar("select last_error from auth_mirror.events")
        .fetch_one(&app.database.pool)
        .await
        .unwrap();
    assert_eq!(
        header(&response, "auth-mirror-error").as_deref(),
        Some(stored.as_str())
    );
    assert_eq!(stored, "database error 23514 (constraint no_example)");
}

#[tokio::test]
async fn before_user_created_is_allowed_and_an_unparsed_body_failed() {
    let app = spawn_app().await;
    let before = hook(
        "before-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "0001-01-01T00:00:00Z"),
    );

    let allowed = app.post_signed("/hooks/auth", &before).await;
    let unparsed = app.post_signed("/hooks/auth", b"{\"user\":").await;

    assert_eq!(
        header(&allowed, "auth-mirror-outcome").as_deref(),
        Some("allowed")
    );
    assert_eq!(
        header(&unparsed, "auth-mirror-outcome").as_deref(),
        Some("failed")
    );
    assert_eq!(
        header(&unparsed, "auth-mirror-error").as_deref(),
        Some("unparsed")
    );
}
