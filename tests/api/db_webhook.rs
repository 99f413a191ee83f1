//! The opt-in signed database webhook (sql/db-webhook.sql): a stand-in `net.http_post`
//! records what pg_net would send, and the test relays it to the running service.

mod signature_bytes;

use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{as_auth_admin, at, mirror_row, spawn_app, Signup, TestApp};

const T1: &str = "2024-05-01T10:00:00.123456Z";
const T2: &str = "2024-05-01T11:30:00.654321Z";
const T3: &str = "2024-05-02T08:00:00.000001Z";

/// pg_net's `net.http_post` with pg_net's own signature and queue, but nothing sends the
/// queue: the test relays it. As pg_net does (its SQL: `convert_to(body::text, 'UTF8')` into
/// `net.http_request_queue.body bytea`), the jsonb body is queued as the UTF-8 bytes of its
/// text rendering, whatever sql/db-webhook.sql assumed when it signed.
const STAND_IN_PG_NET: &str = r#"
create schema net;
create table net.http_request_queue (
    id                   bigserial primary key,
    method               text not null,
    url                  text not null,
    headers              jsonb not null,
    body                 bytea,
    timeout_milliseconds integer not null
);
create function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
) returns bigint
language sql
as $$
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id
$$;
"#;

/// Installs the stand-in pg_net, the settings and sql/db-webhook.sql. The mirror trigger is
/// dropped, so only relayed events can write the mirror.
async fn install_db_webhook(app: &TestApp) {
    let pool = &app.database.pool;
    sqlx::raw_sql(STAND_IN_PG_NET).execute(pool).await.unwrap();
    sqlx::query(
        "insert into auth_mirror.settings (key, value) \
         values ('db_webhook_url', $1), ('webhook_secret', $2)",
    )
    .bind(format!("{}/hooks/db", app.address))
    .bind(&app.secrets)
    .execute(pool)
    .await
    .unwrap();
    sqlx::raw_sql(include_str!("../../sql/db-webhook.sql"))
        .execute(pool)
        .await
        .expect("sql/db-webhook.sql installs");
    sqlx::raw_sql(
        "drop trigger auth_mirror_user_inserted on auth.users; \
         drop trigger auth_mirror_user_updated on auth.users; \
         drop trigger auth_mirror_user_deleted on auth.users;",
    )
    .execute(pool)
    .await
    .unwrap();
}

#[derive(Debug)]
struct Recorded {
    id: i64,
    url: String,
    body: Vec<u8>,
    headers: serde_json::Value,
}
auth_mirror::from_row!(Recorded {
    id,
    url,
    body,
    headers
});

impl Recorded {
    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }
}

/// The requests recorded after request `after`, oldest first.
async fn recorded_after(pool: &PgPool, after: i64) -> Vec<Recorded> {
    sqlx::query_as(
        "select id, url, body, headers from net.http_request_queue where id > $1 order by id",
    )
    .bind(after)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Sends `request` as pg_net would: its URL, its headers, its exact body bytes.
async fn relay(app: &TestApp, request: &Recorded) -> reqwest::Response {
    assert_eq!(request.url, format!("{}/hooks/db", app.address));
    let mut post = app.client.post(&request.url).body(request.body.clone());
    for (name, value) in request.headers.as_object().expect("headers object") {
        post = post.header(name, value.as_str().expect("header text"));
    }
    post.send().await.expect("relay")
}

/// Relays every request recorded after `after`; returns how many and the last id.
async fn relay_new(app: &TestApp, after: i64) -> (usize, i64) {
    let requests = recorded_after(&app.database.pool, after).await;
    for request in &requests {
        let response = relay(app, request).await;
        assert_eq!(response.status(), 200, "relayed {}", request.text());
    }
    (requests.len(), requests.last().map_or(after, |r| r.id))
}

#[tokio::test]
async fn db_webhook_requests_carry_no_password_hash_or_tokens() {
    let app = spawn_app().await;
    install_db_webhook(&app).await;
    let signup = Signup::email("ada@example.com", T1);

    as_auth_admin(&app.database.pool, &signup.sql()).await;
    as_auth_admin(
        &app.database.pool,
        &format!(
            "update users set email = 'new@example.com', \
                 recovery_token = 'secret-recovery-token', updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    let requests = recorded_after(&app.database.pool, 0).await;
    assert_eq!(requests.len(), 2, "one INSERT and one UPDATE");
    for request in &requests {
        for secret in ["encrypted_password", "token", "$2a$10$", "secret-"] {
            assert!(
                !request.text().contains(secret),
                "{secret} in {}",
                request.text()
            );
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            (&body["schema"], &body["table"]),
            (&json!("auth"), &json!("users"))
        );
    }
    assert_eq!(
        requests[0].headers["webhook-id"]
            .as_str()
            .map(|id| id.starts_with("msg_")),
        Some(true)
    );
}

#[tokio::test]
async fn db_webhook_requests_relayed_to_the_service_keep_the_mirror_right() {
    let app = spawn_app().await;
    install_db_webhook(&app).await;
    let pool = &app.database.pool;
    let signup = Signup::email("ada@example.com", T1);

    // Signup: the INSERT is sent, the role update is not.
    as_auth_admin(pool, &signup.sql()).await;
    let (sent, last) = relay_new(&app, 0).await;
    assert_eq!(sent, 1);
    let created = mirror_row(pool, signup.id)
        .await
        .expect("mirrored from the INSERT");
    assert_eq!(created.email.as_deref(), Some("ada@example.com"));
    assert_eq!(created.user_metadata, Some(json!({"name": "Ada"})));
    assert_eq!(created.auth_updated_at, Some(at(T1)));

    // Sign-in: nothing is sent.
    as_auth_admin(
        pool,
        &format!(
            "update users set last_sign_in_at = '{T2}', updated_at = '{T2}' where id = '{}'",
            signup.id
        ),
    )
    .await;
    assert_eq!(recorded_after(pool, last).await.len(), 0);

    // Email change: the UPDATE is sent and applied.
    as_auth_admin(
        pool,
        &format!(
            "update users set email = 'new@example.com', updated_at = '{T3}' where id = '{}'",
            signup.id
        ),
    )
    .await;
    let (sent, last) = relay_new(&app, last).await;
    assert_eq!(sent, 1);
    let changed = mirror_row(pool, signup.id).await.expect("mirrored");
    assert_eq!(changed.email.as_deref(), Some("new@example.com"));
    assert_eq!(changed.auth_updated_at, Some(at(T3)));

    // Hard delete: the DELETE is sent and leaves a tombstone.
    as_auth_admin(
        pool,
        &format!("delete from users where id = '{}'", signup.id),
    )
    .await;
    let (sent, _) = relay_new(&app, last).await;
    assert_eq!(sent, 1);
    let tombstone = mirror_row(pool, signup.id).await.expect("tombstone");
    assert_eq!((tombstone.email, tombstone.user_metadata), (None, None));
    assert!(tombstone.deleted_at.is_some());

    let events: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select kind, status, effect from auth_mirror.events where source = 'db_webhook' order by id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let applied = |kind: &str, effect: &str| {
        (
            kind.to_owned(),
            "applied".to_owned(),
            Some(effect.to_owned()),
        )
    };
    assert_eq!(
        events,
        [
            applied("INSERT", "inserted"),
            applied("UPDATE", "updated"),
            applied("DELETE", "updated")
        ]
    );
    let errors: i64 = sqlx::query_scalar("select count(*) from auth_mirror.trigger_errors")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(errors, 0);
}
