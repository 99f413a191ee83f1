//! The mirror keeps the earliest real creation time any delivery carried, whatever the order:
//! Supabase's hook JSON carries nanoseconds (truncated here) while its database rounds to
//! microseconds, so one user's deliveries can disagree by a microsecond.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{at, mirror_row, spawn_app};
use crate::payloads::{auth_row, db_event, hook, hook_user};

#[tokio::test]
async fn an_older_state_with_an_earlier_creation_time_still_lowers_it() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let mut created = auth_row(
        id,
        Some("ada@example.com"),
        "2024-05-01T10:00:00.123457+00:00",
    );
    created["created_at"] = json!("2024-05-01T10:00:00.123457+00:00");
    let mut changed = created.clone();
    changed["updated_at"] = json!("2024-05-01T11:00:00+00:00");
    changed["email"] = json!("ada.l@example.com");
    let mut user = hook_user(id, "ada@example.com", "2024-05-01T10:00:00.123456789Z");
    user["created_at"] = json!("2024-05-01T10:00:00.123456789Z");

    let update = app
        .post_signed(
            "/hooks/db",
            &db_event("UPDATE", Some(changed), Some(created)),
        )
        .await;
    let late_hook = app
        .post_signed(
            "/hooks/auth",
            &hook("after-user-created", Uuid::new_v4(), user),
        )
        .await;

    assert_eq!(
        (update.status().as_u16(), late_hook.status().as_u16()),
        (200, 200)
    );
    let row = mirror_row(&app.database.pool, id).await.expect("mirrored");
    assert_eq!(row.auth_created_at, Some(at("2024-05-01T10:00:00.123456Z")));
    assert_eq!(row.auth_updated_at, Some(at("2024-05-01T11:00:00Z")));
    assert_eq!(row.email.as_deref(), Some("ada.l@example.com"));
}
