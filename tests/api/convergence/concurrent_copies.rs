//! A hundred concurrent copies of one delivery are stored and applied once.

use tokio::task::JoinSet;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

const COPIES: usize = 100;

/// Posts `COPIES` copies of `body` at once, each with its own webhook-id (as Supabase's
/// retries have), and returns their statuses.
async fn post_concurrent_copies(app: &TestApp, path: &str, body: Vec<u8>) -> Vec<u16> {
    let url = format!("{}{path}", app.address);
    let mut copies = JoinSet::new();
    for _ in 0..COPIES {
        let request = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        let request = app
            .signed_headers(&body)
            .into_iter()
            .fold(request, |request, (name, value)| {
                request.header(name, value)
            });
        copies.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let mut statuses = Vec::with_capacity(COPIES);
    while let Some(status) = copies.join_next().await {
        statuses.push(status.expect("request task"));
    }
    statuses
}

async fn stored_events(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as("select status, effect from auth_mirror.events order by id")
        .fetch_all(&app.database.pool)
        .await
        .expect("read auth_mirror.events")
}

#[tokio::test]
async fn a_hundred_concurrent_copies_of_a_hook_are_stored_and_applied_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let statuses = post_concurrent_copies(&app, "/hooks/auth", body).await;

    assert_eq!(statuses, vec![200; COPIES]);
    assert_eq!(
        stored_events(&app).await,
        vec![("applied".to_owned(), Some("inserted".to_owned()))]
    );
    assert!(app.mirror_row(id).await.is_some());
}

#[tokio::test]
async fn a_hundred_concurrent_copies_of_a_db_event_are_stored_and_applied_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = db_event(
        "INSERT",
        Some(auth_row(
            id,
            Some("ada@example.com"),
            "2024-05-01T10:00:00Z",
        )),
        None,
    );

    let statuses = post_concurrent_copies(&app, "/hooks/db", body).await;

    assert_eq!(statuses, vec![200; COPIES]);
    assert_eq!(
        stored_events(&app).await,
        vec![("applied".to_owned(), Some("inserted".to_owned()))]
    );
    assert!(app.mirror_row(id).await.is_some());
}
