//! User metadata is stored exactly as Supabase sent it, numbers included: a float longer than
//! an f64 holds and an integer beyond 64 bits come out of the Auth Hook, a database event and
//! the auth.users trigger as the same row, digit for digit.

use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{as_auth_admin, spawn_app, Signup, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

/// 0.1 as an f64 holds it, written out in full: parsed as an f64, it prints as `0.1`.
const LONG_FLOAT: &str = "0.1000000000000000055511151231257827";
/// 30 digits: an f64 keeps about 17 of them, a u64 at most 20.
const BIG_INTEGER: &str = "123456789012345678901234567890";
/// Every writer's version and creation time, so that the rows differ only in id and email.
const AT: &str = "2024-05-01T10:00:00.123456Z";

fn user_metadata() -> String {
    format!(
        r#"{{"score": {LONG_FLOAT}, "account": {BIG_INTEGER}, "history": [{LONG_FLOAT}, {{"n": -{BIG_INTEGER}}}]}}"#
    )
}

fn app_metadata() -> String {
    format!(r#"{{"provider": "email", "quota": {BIG_INTEGER}, "ratio": {LONG_FLOAT}}}"#)
}

/// `user` as JSON text, with its two metadata members written as the raw text above (never
/// through a JSON number type of this test).
fn with_raw_metadata(mut user: Value, user_key: &str, app_key: &str) -> Value {
    user[user_key] = Value::String("USER_METADATA".into());
    user[app_key] = Value::String("APP_METADATA".into());
    user
}

fn raw(body: Vec<u8>) -> Vec<u8> {
    String::from_utf8(body)
        .expect("UTF-8")
        .replace("\"USER_METADATA\"", &user_metadata())
        .replace("\"APP_METADATA\"", &app_metadata())
        .into_bytes()
}

async fn post(app: &TestApp, path: &str, body: Vec<u8>) {
    let body = raw(body);
    assert!(String::from_utf8_lossy(&body).contains(LONG_FLOAT));
    let response = app.post_signed(path, &body).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
}

#[tokio::test]
async fn long_floats_and_big_integers_in_metadata_are_mirrored_digit_for_digit_by_every_writer() {
    let app = spawn_app().await;
    let (by_hook, by_event) = (Uuid::new_v4(), Uuid::new_v4());
    let mut user = hook_user(by_hook, "hook@example.com", AT);
    user["created_at"] = Value::String(AT.into());
    let user = with_raw_metadata(user, "user_metadata", "app_metadata");
    post(
        &app,
        "/hooks/auth",
        hook("after-user-created", Uuid::new_v4(), user),
    )
    .await;
    let mut record = auth_row(by_event, Some("event@example.com"), AT);
    record["created_at"] = Value::String(AT.into());
    let record = with_raw_metadata(record, "raw_user_meta_data", "raw_app_meta_data");
    post(&app, "/hooks/db", db_event("INSERT", Some(record), None)).await;
    let (user_metadata, app_metadata) = (user_metadata(), app_metadata());
    let signup = Signup {
        user_metadata: &user_metadata,
        app_metadata: &app_metadata,
        ..Signup::email("trigger@example.com", AT)
    };
    as_auth_admin(&app.database.pool, &signup.sql()).await;
    let ids = vec![by_hook, by_event, signup.id];

    // What PostgreSQL makes of the text Supabase sent (jsonb keeps numbers as numeric).
    let (sent_user, sent_app): (String, String) =
        sqlx::query_as("select $1::jsonb::text, $2::jsonb::text")
            .bind(&user_metadata)
            .bind(&app_metadata)
            .fetch_one(&app.database.pool)
            .await
            .expect("jsonb of the sent text");
    let rows: Vec<(String, String, bool, String)> = sqlx::query_as(
        "select u.user_metadata::text, u.app_metadata::text, \
                u.user_metadata = $2::jsonb and u.app_metadata = $3::jsonb, \
                (to_jsonb(u) - 'id' - 'email' - 'created_at' - 'updated_at')::text \
           from unnest($1::uuid[]) with ordinality as w(id, n) \
           join public.users u using (id) \
          order by w.n",
    )
    .bind(&ids)
    .bind(&user_metadata)
    .bind(&app_metadata)
    .fetch_all(&app.database.pool)
    .await
    .expect("read the mirror rows");

    assert_eq!(rows.len(), 3, "every writer mirrored its user: {rows:#?}");
    for (writer, row) in ["/hooks/auth", "/hooks/db", "the trigger"]
        .iter()
        .zip(&rows)
    {
        assert_eq!(row.0, sent_user, "user_metadata by {writer}");
        assert_eq!(row.1, sent_app, "app_metadata by {writer}");
        assert!(row.2, "jsonb equality by {writer}");
        assert_eq!(row.3, rows[0].3, "the whole row by {writer}");
    }
    assert!(sent_user.contains(LONG_FLOAT) && sent_user.contains(BIG_INTEGER));
    assert!(sent_app.contains(LONG_FLOAT) && sent_app.contains(BIG_INTEGER));
}
