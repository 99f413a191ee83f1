//! The admin API (`/admin`) and the retry worker: failed events listed, replayed, retried,
//! expunged and retained, through HTTP against the real app and PostgreSQL.

mod access;
mod bad_input;
mod bulk;
mod cli;
mod concurrency;
mod listing;
mod openapi;
mod reconcile;
mod reconcile_access;
mod reconcile_shutdown;
mod replay;
mod stats;
mod worker;

use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, ADMIN_TOKEN};
use crate::payloads::{hook, hook_user};

/// The email every failing delivery carries; it must never show in a listing or an error.
pub const PRIVATE_EMAIL: &str = "grace.private@example.com";

/// A check constraint that makes every mirror write of an `@example.com` email fail.
pub async fn sabotage(app: &TestApp) {
    sqlx::query(
        "alter table public.users add constraint no_example check (email not like '%@example.com') not valid",
    )
    .execute(&app.database.pool)
    .await
    .expect("add the sabotaging constraint");
}

/// Removes the constraint of `sabotage`.
pub async fn repair(app: &TestApp) {
    sqlx::query("alter table public.users drop constraint no_example")
        .execute(&app.database.pool)
        .await
        .expect("drop the sabotaging constraint");
}

/// Delivers an `after-user-created` hook for a new user; the user's id.
pub async fn deliver_signup(app: &TestApp) -> Uuid {
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, PRIVATE_EMAIL, "2024-05-01T10:00:00Z"),
    );
    let response = app.post_signed("/hooks/auth", &body).await;
    assert_eq!(response.status(), 200);
    id
}

/// Ids of the stored events, oldest first.
pub async fn event_ids(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("select id from auth_mirror.events order by id")
        .fetch_all(&app.database.pool)
        .await
        .expect("read event ids")
}

/// (status, attempts, applied_via) of event `id`.
pub async fn event_state(app: &TestApp, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("select status, attempts, applied_via from auth_mirror.events where id = $1")
        .bind(id)
        .fetch_one(&app.database.pool)
        .await
        .expect("read event")
}

/// Mirror rows in `public.users`.
pub async fn mirrored(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&app.database.pool)
        .await
        .expect("count mirror rows")
}

/// An admin request with the right token.
pub fn admin(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(ADMIN_TOKEN)
}

/// `GET path` with the admin token: (status, JSON body).
pub async fn admin_get(app: &TestApp, path: &str) -> (u16, Value) {
    send(admin(app, reqwest::Method::GET, path)).await
}

/// `POST path` with the admin token and a JSON body: (status, JSON body).
pub async fn admin_post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    send(admin(app, reqwest::Method::POST, path).json(&body)).await
}

/// Sends and reads the JSON answer.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("admin request");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}
