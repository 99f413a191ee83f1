//! Soft and hard deletes leave a tombstone that no older or later live state resurrects.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{effect, effects, post_db, T1, T2, T3, T4};
use crate::helpers::{at, mirror_row, spawn_app};
use crate::payloads::{auth_row, db_event};

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
