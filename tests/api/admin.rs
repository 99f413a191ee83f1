//! The admin API (`/admin`) and the retry worker: failed events listed, replayed, retried,
//! expunged and retained, through HTTP against the real app and PostgreSQL.

mod access;
mod answers;
mod bad_input;
mod bulk;
mod cli;
mod concurrency;
mod guessing;
mod listing;
mod lock_order;
mod openapi;
mod plans;
mod private_schema;
mod quarantine;
pub(crate) mod reconcile;
mod reconcile_access;
mod reconcile_shutdown;
mod replay;
mod stats;
pub(crate) mod worker;

use serde_json::Value;

pub use crate::helpers::{deliver_signup, repair, sabotage, PRIVATE_EMAIL};
use crate::helpers::{TestApp, ADMIN_TOKEN};

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
