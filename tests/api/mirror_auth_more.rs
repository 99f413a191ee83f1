//! `POST /hooks/auth` for phone-only and anonymous users, and Supabase's invite path, whose
//! `after-user-created` carries blanked metadata.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{at, mirror_row, spawn_app, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

const CREATED: &str = "2024-05-01T10:00:00.123456789Z";
const CREATED_IN_DB: &str = "2024-05-01T10:00:00.123456+00:00";
/// `CREATED` as PostgreSQL stores it when given the nanoseconds: rounded to microseconds.
const CREATED_ROUNDED_IN_DB: &str = "2024-05-01T10:00:00.123457+00:00";

async fn after_user_created(app: &TestApp, user: Value) -> reqwest::Response {
    let body = hook("after-user-created", Uuid::new_v4(), user);
    app.post_signed("/hooks/auth", &body).await
}

#[tokio::test]
async fn phone_only_after_user_created_is_mirrored_without_email() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut user = hook_user(id, "", CREATED);
    user["phone"] = json!("15551234567");
    user["app_metadata"] = json!({ "provider": "phone", "providers": ["phone"] });

    let response = after_user_created(&app, user).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.email, None);
    assert_eq!(row.phone.as_deref(), Some("15551234567"));
    assert!(!row.is_anonymous);
}

#[tokio::test]
async fn anonymous_after_user_created_is_mirrored_without_email_or_phone() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut user = hook_user(id, "", CREATED);
    user["is_anonymous"] = json!(true);
    user["user_metadata"] = json!({});
    user["app_metadata"] = json!({});

    let response = after_user_created(&app, user).await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert!(row.is_anonymous);
    assert_eq!(row.email, None);
    assert_eq!(row.phone, None);
    assert_eq!(row.user_metadata, Some(json!({})));
}

/// The `after-user-created` user of Supabase's invite path: `invited_at` set, metadata and
/// identities blanked, though auth.users holds the real metadata.
fn invited_user(id: Uuid) -> Value {
    let mut user = hook_user(id, "ada@example.com", CREATED);
    user["invited_at"] = json!(CREATED);
    user["user_metadata"] = json!({});
    user["identities"] = json!([]);
    user
}

/// The INSERT of the same invited user at the same version, with its real metadata.
fn invited_insert(id: Uuid) -> Vec<u8> {
    let mut row = auth_row(id, Some("ada@example.com"), CREATED_IN_DB);
    row["raw_user_meta_data"] = json!({ "full_name": "Ada Lovelace", "team": "engines" });
    db_event("INSERT", Some(row), None)
}

#[tokio::test]
async fn invite_hook_after_the_db_insert_does_not_wipe_the_metadata() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let insert = app.post_signed("/hooks/db", &invited_insert(id)).await;
    assert_eq!(insert.status(), 200);

    let response = after_user_created(&app, invited_user(id)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(
        row.user_metadata,
        Some(json!({ "full_name": "Ada Lovelace", "team": "engines" }))
    );
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn invite_hook_before_the_db_insert_ends_in_the_same_row() {
    let (hook_first, insert_first) = tokio::join!(spawn_app(), spawn_app());
    let id = Uuid::new_v4();

    let early_hook = after_user_created(&hook_first, invited_user(id)).await;
    let late_insert = hook_first
        .post_signed("/hooks/db", &invited_insert(id))
        .await;
    let early_insert = insert_first
        .post_signed("/hooks/db", &invited_insert(id))
        .await;
    let late_hook = after_user_created(&insert_first, invited_user(id)).await;

    for response in [early_hook, late_insert, early_insert, late_hook] {
        assert_eq!(response.status(), 200);
    }
    let a = hook_first.mirror_row(id).await.expect("mirrored");
    let b = insert_first.mirror_row(id).await.expect("mirrored");
    assert_eq!(a, b);
    assert_eq!(
        a["user_metadata"],
        json!({ "full_name": "Ada Lovelace", "team": "engines" })
    );
}

/// The stored metadata after an INSERT carrying both fields, then an `after-user-created` of
/// the same version whose `app_metadata` is `app_metadata` (`None`: the key is absent).
async fn app_metadata_after_a_hook_with(app_metadata: Option<Value>) -> Option<Value> {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut row = auth_row(id, Some("ada@example.com"), CREATED_IN_DB);
    row["raw_app_meta_data"] = json!({ "provider": "github", "providers": ["github"] });
    // The database rounded the creation time the hook carries with nanoseconds, so the hook
    // is not identical to the stored row: it is written (its earlier creation time counts).
    row["created_at"] = json!(CREATED_ROUNDED_IN_DB);
    let insert = app
        .post_signed("/hooks/db", &db_event("INSERT", Some(row), None))
        .await;
    assert_eq!(insert.status(), 200);
    let mut user = hook_user(id, "ada@example.com", CREATED);
    match app_metadata {
        Some(value) => user["app_metadata"] = value,
        None => {
            user.as_object_mut().unwrap().remove("app_metadata");
        }
    }

    let response = after_user_created(&app, user).await;

    assert_eq!(response.status(), 200);
    mirror_row(&app.database.pool, id)
        .await
        .expect("mirrored")
        .app_metadata
}

#[tokio::test]
async fn an_invite_hook_that_lowers_the_creation_time_keeps_the_users_metadata() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut row = auth_row(id, Some("ada@example.com"), CREATED_IN_DB);
    row["raw_user_meta_data"] = json!({ "full_name": "Ada Lovelace", "team": "engines" });
    row["created_at"] = json!(CREATED_ROUNDED_IN_DB);
    let insert = app
        .post_signed("/hooks/db", &db_event("INSERT", Some(row), None))
        .await;
    assert_eq!(insert.status(), 200);

    let response = after_user_created(&app, invited_user(id)).await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.auth_created_at, Some(at("2024-05-01T10:00:00.123456Z")));
    assert_eq!(
        row.user_metadata,
        Some(json!({ "full_name": "Ada Lovelace", "team": "engines" }))
    );
}

#[tokio::test]
async fn app_metadata_a_hook_does_not_carry_is_kept_whether_absent_or_null() {
    let github = json!({ "provider": "github", "providers": ["github"] });

    assert_eq!(
        app_metadata_after_a_hook_with(None).await,
        Some(github.clone())
    );
    assert_eq!(
        app_metadata_after_a_hook_with(Some(Value::Null)).await,
        Some(github)
    );
}

#[tokio::test]
async fn an_invited_users_real_metadata_is_mirrored() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    // An invite sent with `data`: the hook's user_metadata is not blank.
    let mut user = invited_user(id);
    user["user_metadata"] = json!({ "team": "engines" });

    let response = after_user_created(&app, user).await;

    assert_eq!(response.status(), 200);
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.user_metadata, Some(json!({ "team": "engines" })));
}
