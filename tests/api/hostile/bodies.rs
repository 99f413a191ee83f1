//! Verified bodies no Supabase sends: invalid UTF-8, deep nesting, wrong types (refused with a
//! precise recorded reason), unknown fields (accepted), and SQL or control characters in
//! emails and metadata (stored verbatim, never executed).

use serde_json::{json, Value};
use uuid::Uuid;

use super::{assert_malformed, assert_stored_unparsed, users};
use crate::helpers::{spawn_app, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};
use crate::signature::assert_accepted;

const T1: &str = "2024-05-01T10:00:00Z";

/// Sends `body` to both endpoints: the Auth Hook answer is Supabase's success (a signup is
/// never broken), the database event answer is `422 malformed_payload`.
async fn send_to_both(app: &TestApp, body: &[u8]) {
    assert_accepted(app.post_signed("/hooks/auth", body).await).await;
    assert_malformed(app.post_signed("/hooks/db", body).await).await;
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_stored_as_unparsed_with_that_reason() {
    let app = spawn_app().await;
    let mut body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "zoe@example.com", T1),
    );
    let at = body.iter().position(|&byte| byte == b'z').unwrap();
    body[at] = 0xff;

    send_to_both(&app, &body).await;

    let sent = [("auth_hook", &body[..]), ("db_webhook", &body[..])];
    assert_stored_unparsed(&app, &sent, "the body is not valid UTF-8").await;
}

#[tokio::test]
async fn json_nested_100_000_deep_is_stored_as_unparsed_and_the_service_stays_up() {
    let app = spawn_app().await;
    let depth = 100_000;
    let body = format!(
        r#"{{"metadata":{{"name":"after-user-created"}},"user":{{"user_metadata":{}{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
    .into_bytes();

    send_to_both(&app, &body).await;

    let sent = [("auth_hook", &body[..]), ("db_webhook", &body[..])];
    assert_stored_unparsed(&app, &sent, "JSON nested deeper than 128 levels").await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn known_fields_of_the_wrong_type_are_stored_as_unparsed() {
    let app = spawn_app().await;
    let mut user = hook_user(Uuid::new_v4(), "ada@example.com", T1);
    user["email"] = json!(42);
    let hook_body = hook("after-user-created", Uuid::new_v4(), user);
    let mut record = auth_row(Uuid::new_v4(), Some("ada@example.com"), T1);
    record["is_anonymous"] = json!("ada@example.com");
    let db_body = db_event("INSERT", Some(record), None);

    assert_accepted(app.post_signed("/hooks/auth", &hook_body).await).await;
    assert_malformed(app.post_signed("/hooks/db", &db_body).await).await;

    let sent = [("auth_hook", &hook_body[..]), ("db_webhook", &db_body[..])];
    assert_stored_unparsed(&app, &sent, "a field has an unexpected type or value").await;
    assert_eq!(users(&app).await, 0);
}

#[tokio::test]
async fn unknown_fields_anywhere_are_accepted_and_ignored() {
    let app = spawn_app().await;
    let (hook_id, db_id) = (Uuid::new_v4(), Uuid::new_v4());
    let mut hook_value: Value = serde_json::from_slice(&hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(hook_id, "ada@example.com", T1),
    ))
    .unwrap();
    hook_value["added_by_supabase_later"] = json!({ "nested": [1, 2] });
    hook_value["metadata"]["region"] = json!("eu-west-1");
    hook_value["user"]["new_column"] = json!(true);
    let mut record = auth_row(db_id, Some("bob@example.com"), T1);
    record["new_column"] = json!("x");
    let mut db_value: Value =
        serde_json::from_slice(&db_event("INSERT", Some(record), None)).unwrap();
    db_value["commit_timestamp"] = json!("2024-05-01T10:00:00Z");

    let to_hook = app
        .post_signed("/hooks/auth", &serde_json::to_vec(&hook_value).unwrap())
        .await;
    let to_db = app
        .post_signed("/hooks/db", &serde_json::to_vec(&db_value).unwrap())
        .await;

    assert_accepted(to_hook).await;
    assert_accepted(to_db).await;
    assert_eq!(
        app.mirror_row(hook_id).await.unwrap()["email"],
        "ada@example.com"
    );
    assert_eq!(
        app.mirror_row(db_id).await.unwrap()["email"],
        "bob@example.com"
    );
}

/// An email that ends a quoted SQL literal and drops the table, were it ever spliced into SQL.
const SQL_EMAIL: &str = "x'); drop table public.users; --@e.com";

/// Every control character but NUL (which PostgreSQL cannot store; see `nul`), and SQL.
fn hostile_metadata() -> Value {
    let controls: String = (1u8..0x20).map(char::from).collect();
    json!({
        "controls": controls,
        "sql": "'; delete from auth_mirror.events; --",
        "quote\"key'": "Robert'); DROP TABLE students;--",
        "backslash": "\\x00 \\u0000 \\"
    })
}

#[tokio::test]
async fn sql_and_control_characters_are_stored_verbatim_and_never_executed() {
    let app = spawn_app().await;
    let (hook_id, db_id) = (Uuid::new_v4(), Uuid::new_v4());
    let mut user = hook_user(hook_id, SQL_EMAIL, T1);
    user["user_metadata"] = hostile_metadata();
    let mut record = auth_row(db_id, Some(SQL_EMAIL), T1);
    record["raw_user_meta_data"] = hostile_metadata();
    record["raw_app_meta_data"] = hostile_metadata();

    assert_accepted(
        app.post_signed(
            "/hooks/auth",
            &hook("after-user-created", Uuid::new_v4(), user),
        )
        .await,
    )
    .await;
    assert_accepted(
        app.post_signed("/hooks/db", &db_event("INSERT", Some(record), None))
            .await,
    )
    .await;

    let from_hook = app.mirror_row(hook_id).await.expect("mirrored");
    let from_db = app.mirror_row(db_id).await.expect("mirrored");
    assert_eq!(from_hook["email"], SQL_EMAIL);
    assert_eq!(from_hook["user_metadata"], hostile_metadata());
    assert_eq!(from_db["email"], SQL_EMAIL);
    assert_eq!(from_db["user_metadata"], hostile_metadata());
    assert_eq!(from_db["app_metadata"], hostile_metadata());
    // Nothing was executed: both tables hold what they should.
    assert_eq!(users(&app).await, 2);
    let statuses: Vec<(String, String)> = app
        .events()
        .await
        .into_iter()
        .map(|(kind, status, _, _)| (kind, status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("after-user-created".into(), "applied".into()),
            ("INSERT".into(), "applied".into())
        ]
    );
}
