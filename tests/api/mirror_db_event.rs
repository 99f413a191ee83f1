//! `POST /hooks/db`: database events on `auth.users` mirrored into public.users.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{at, mirror_row, spawn_app, TestApp};
use crate::payloads::{auth_row, db_event};

const T1: &str = "2024-05-01T10:00:00.123456+00:00";
const T2: &str = "2024-05-01T11:30:00.654321+00:00";
const T3: &str = "2024-05-02T08:00:00.000001+00:00";
const T4: &str = "2024-05-03T09:15:00.5+00:00";

/// The row auth.users holds after Supabase soft-deletes a user: `deleted_at` set, email and
/// phone replaced by hashes, metadata emptied.
fn soft_deleted_row(id: Uuid, updated_at: &str) -> Value {
    let mut row = auth_row(id, Some("3b5d2e8a9c1f4e7b8a6d0c2e4f6a8b0c"), updated_at);
    row["phone"] = json!("9f86d081884c7d659a2feaa0c55ad015");
    row["raw_user_meta_data"] = json!({});
    row["raw_app_meta_data"] = json!({});
    row["deleted_at"] = json!(updated_at);
    row
}

async fn post_db(app: &TestApp, body: &[u8]) -> reqwest::Response {
    app.post_signed("/hooks/db", body).await
}

/// The `effect` of every stored event, oldest first.
async fn effects(app: &TestApp) -> Vec<Option<String>> {
    app.events()
        .await
        .into_iter()
        .map(|(_, _, effect, _)| effect)
        .collect()
}

fn effect(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[tokio::test]
async fn insert_is_mirrored() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = db_event(
        "INSERT",
        Some(auth_row(id, Some("Ada@Example.com"), T1)),
        None,
    );

    let response = post_db(&app, &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("Ada@Example.com"));
    assert_eq!(row.phone, None);
    assert!(!row.is_anonymous);
    assert_eq!(
        row.user_metadata,
        Some(json!({ "full_name": "Ada Lovelace" }))
    );
    assert_eq!(row.app_metadata.unwrap()["provider"], "email");
    assert_eq!(row.auth_created_at, Some(at("2024-05-01T10:00:00.123456Z")));
    assert_eq!(row.auth_updated_at, Some(at(T1)));
    assert_eq!(row.deleted_at, None);
    assert_eq!(
        app.events().await,
        vec![("INSERT".into(), "applied".into(), effect("inserted"), None)]
    );
}

#[tokio::test]
async fn update_with_an_email_change_is_mirrored() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let before = auth_row(id, Some("ada@example.com"), T1);
    let mut after = auth_row(id, Some("ada@lovelace.org"), T2);
    after["email_confirmed_at"] = json!(T2);
    post_db(&app, &db_event("INSERT", Some(before.clone()), None)).await;

    let response = post_db(&app, &db_event("UPDATE", Some(after), Some(before))).await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("ada@lovelace.org"));
    assert_eq!(row.email_confirmed_at, Some(at(T2)));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    assert_eq!(row.auth_created_at, Some(at("2024-05-01T10:00:00.123456Z")));
    assert_eq!(
        effects(&app).await,
        vec![effect("inserted"), effect("updated")]
    );
}

#[tokio::test]
async fn an_older_update_arriving_after_a_newer_one_does_not_win() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let v1 = auth_row(id, Some("one@example.com"), T1);
    let v2 = auth_row(id, Some("two@example.com"), T2);
    let v3 = auth_row(id, Some("three@example.com"), T3);
    post_db(&app, &db_event("INSERT", Some(v1.clone()), None)).await;
    post_db(&app, &db_event("UPDATE", Some(v3), Some(v2.clone()))).await;

    let late = post_db(&app, &db_event("UPDATE", Some(v2), Some(v1))).await;

    assert_eq!(late.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("three@example.com"));
    assert_eq!(row.auth_updated_at, Some(at(T3)));
    assert_eq!(
        effects(&app).await,
        vec![effect("inserted"), effect("updated"), effect("stale")]
    );
}

#[tokio::test]
async fn soft_delete_leaves_a_tombstone_without_personal_data() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let live = auth_row(id, Some("ada@example.com"), T1);
    post_db(&app, &db_event("INSERT", Some(live.clone()), None)).await;

    let response = post_db(
        &app,
        &db_event("UPDATE", Some(soft_deleted_row(id, T2)), Some(live)),
    )
    .await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("tombstone");
    assert_eq!(row.email, None);
    assert_eq!(row.phone, None);
    assert_eq!(row.user_metadata, None);
    assert_eq!(row.app_metadata, None);
    assert_eq!(row.email_confirmed_at, None);
    assert_eq!(row.deleted_at, Some(at(T2)));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn hard_delete_leaves_a_tombstone() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut live = auth_row(id, Some("ada@example.com"), T2);
    live["phone"] = json!("15551234567");
    live["email_confirmed_at"] = json!(T1);
    post_db(&app, &db_event("INSERT", Some(live.clone()), None)).await;

    let response = post_db(&app, &db_event("DELETE", None, Some(live))).await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("tombstone");
    assert_eq!(row.email, None);
    assert_eq!(row.phone, None);
    assert_eq!(row.user_metadata, None);
    assert_eq!(row.app_metadata, None);
    assert_eq!(row.email_confirmed_at, None);
    // A hard delete carries no deletion time of its own: the old row's version stands in.
    assert_eq!(row.deleted_at, Some(at(T2)));
    assert_eq!(
        effects(&app).await,
        vec![effect("inserted"), effect("updated")]
    );
}

#[tokio::test]
async fn a_tombstone_is_not_resurrected_by_an_older_or_a_later_live_state() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let v1 = auth_row(id, Some("ada@example.com"), T1);
    let v2 = auth_row(id, Some("ada@lovelace.org"), T2);
    post_db(&app, &db_event("DELETE", None, Some(v2.clone()))).await;
    let tombstone = app.mirror_row(id).await.expect("tombstone");

    let older = post_db(&app, &db_event("INSERT", Some(v1.clone()), None)).await;
    let same = post_db(&app, &db_event("UPDATE", Some(v2.clone()), Some(v1))).await;
    // A state newer than the deletion (a late sign-in write of the deleted row).
    let later = post_db(
        &app,
        &db_event(
            "UPDATE",
            Some(auth_row(id, Some("back@example.com"), T4)),
            Some(v2),
        ),
    )
    .await;

    for response in [older, same, later] {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(app.mirror_row(id).await, Some(tombstone.clone()));
    assert_eq!(tombstone["email"], Value::Null);
    assert_eq!(tombstone["deleted_at"], json!(T2));
    assert_eq!(
        effects(&app).await,
        vec![
            effect("inserted"),
            effect("stale"),
            effect("stale"),
            effect("stale")
        ]
    );
}

#[tokio::test]
async fn a_tombstone_from_a_soft_delete_is_not_resurrected_by_a_later_update() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let deleted = soft_deleted_row(id, T2);
    post_db(&app, &db_event("UPDATE", Some(deleted.clone()), None)).await;

    let later = post_db(
        &app,
        &db_event(
            "UPDATE",
            Some(auth_row(id, Some("ada@example.com"), T3)),
            Some(deleted),
        ),
    )
    .await;

    assert_eq!(later.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("tombstone");
    assert_eq!(row.email, None);
    assert_eq!(row.deleted_at, Some(at(T2)));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn phone_only_user_is_mirrored_without_email() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut row = auth_row(id, None, T1);
    row["phone"] = json!("15551234567");
    row["raw_app_meta_data"] = json!({ "provider": "phone", "providers": ["phone"] });

    let response = post_db(&app, &db_event("INSERT", Some(row), None)).await;

    assert_eq!(response.status(), 200);
    let mirrored = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(mirrored.email, None);
    assert_eq!(mirrored.phone.as_deref(), Some("15551234567"));
    assert_eq!(mirrored.app_metadata.unwrap()["provider"], "phone");
}

#[tokio::test]
async fn anonymous_user_is_mirrored_with_empty_email_and_phone_as_null() {
    let app = spawn_app().await;
    for email in [Some(""), None] {
        let id = Uuid::new_v4();
        let mut row = auth_row(id, email, T1);
        row["phone"] = json!("");
        row["is_anonymous"] = json!(true);
        row["raw_user_meta_data"] = json!({});
        row["raw_app_meta_data"] = json!({});

        let response = post_db(&app, &db_event("INSERT", Some(row), None)).await;

        assert_eq!(response.status(), 200, "email {email:?}");
        let mirrored = mirror_row(&app.database.pool, id).await.expect("mirrored");
        assert!(mirrored.is_anonymous, "email {email:?}");
        assert_eq!(mirrored.email, None, "email {email:?}");
        assert_eq!(mirrored.phone, None, "email {email:?}");
        assert_eq!(mirrored.user_metadata, Some(json!({})), "email {email:?}");
    }
}

#[tokio::test]
async fn a_duplicate_db_event_with_a_new_webhook_id_is_stored_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = db_event(
        "INSERT",
        Some(auth_row(id, Some("ada@example.com"), T1)),
        None,
    );

    let first = post_db(&app, &body).await;
    let retry = post_db(&app, &body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(effects(&app).await, vec![effect("inserted")]);
}

#[tokio::test]
async fn a_db_event_resent_with_another_key_order_and_layout_is_stored_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let compact = db_event(
        "INSERT",
        Some(auth_row(id, Some("ada@example.com"), T1)),
        None,
    );
    // The same event as another JSON writer lays it out: keys reversed, indented.
    let reordered = format!(
        "{{\n  \"old_record\": null,\n  \"record\": {},\n  \"schema\": \"auth\",\n  \
         \"table\": \"users\",\n  \"type\": \"INSERT\"\n}}",
        serde_json::to_string_pretty(&auth_row(id, Some("ada@example.com"), T1)).unwrap()
    );
    assert_ne!(compact, reordered.as_bytes());

    let first = post_db(&app, &compact).await;
    let again = post_db(&app, reordered.as_bytes()).await;

    assert_eq!(first.status(), 200);
    assert_eq!(again.status(), 200);
    assert_eq!(effects(&app).await, vec![effect("inserted")]);
}

async fn assert_unsupported(app: &TestApp, body: &[u8]) {
    let response = post_db(app, body).await;

    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "unsupported_event", "{answer}");
    assert_eq!(answer["error"]["http_code"], 422, "{answer}");
}

#[tokio::test]
async fn an_event_on_another_table_is_stored_as_ignored_and_answered_422() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = serde_json::to_vec(&json!({
        "type": "INSERT",
        "table": "profiles",
        "schema": "public",
        "record": { "id": id, "username": "ada", "updated_at": T1 },
        "old_record": null
    }))
    .unwrap();

    assert_unsupported(&app, &body).await;

    assert_eq!(
        app.events().await,
        vec![("INSERT".into(), "ignored".into(), None, None)]
    );
    assert_eq!(app.mirror_row(id).await, None);
}

#[tokio::test]
async fn a_truncate_is_stored_as_ignored_and_answered_422() {
    let app = spawn_app().await;
    let body = db_event("TRUNCATE", None, None);

    assert_unsupported(&app, &body).await;

    assert_eq!(
        app.events().await,
        vec![("TRUNCATE".into(), "ignored".into(), None, None)]
    );
    let users: i64 = sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&app.database.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn settings_written_by_the_app_survive_later_mirror_updates() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let v1 = auth_row(id, Some("ada@example.com"), T1);
    let v2 = auth_row(id, Some("ada@lovelace.org"), T2);
    post_db(&app, &db_event("INSERT", Some(v1.clone()), None)).await;
    sqlx::query(r#"update public.users set settings = '{"theme":"dark"}' where id = $1"#)
        .bind(id)
        .execute(&app.database.pool)
        .await
        .unwrap();

    let update = post_db(
        &app,
        &db_event("UPDATE", Some(v2.clone()), Some(v1.clone())),
    )
    .await;
    let stale = post_db(&app, &db_event("UPDATE", Some(v1), None)).await;

    assert_eq!(update.status(), 200);
    assert_eq!(stale.status(), 200);
    let row = app.mirror_row(id).await.expect("mirrored");
    assert_eq!(row["email"], "ada@lovelace.org");
    assert_eq!(row["settings"], json!({ "theme": "dark" }));
}
