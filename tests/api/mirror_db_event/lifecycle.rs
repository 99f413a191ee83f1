//! Inserts and updates (email change, stale versions, phone-only, anonymous) and app settings.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{effect, effects, post_db, T1, T2, T3};
use crate::helpers::{at, mirror_row, spawn_app};
use crate::payloads::{auth_row, db_event};

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

#[tokio::test]
async fn a_db_event_without_a_real_version_is_stored_but_never_writes() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();

    let placeholder = post_db(
        &app,
        &db_event(
            "INSERT",
            Some(auth_row(
                id,
                Some("ada@example.com"),
                "0001-01-01T00:00:00+00:00",
            )),
            None,
        ),
    )
    .await;
    let mut missing = auth_row(id, Some("ada@example.com"), T1);
    missing["updated_at"] = Value::Null;
    let without = post_db(&app, &db_event("UPDATE", Some(missing), None)).await;

    assert_eq!(
        (placeholder.status().as_u16(), without.status().as_u16()),
        (200, 200)
    );
    assert_eq!(mirror_row(&app.database.pool, id).await, None);
    assert_eq!(
        effects(&app).await,
        [effect("unversioned"), effect("unversioned")]
    );
}
