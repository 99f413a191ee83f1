//! Replaying one failed event, after the cause is repaired (or not yet).

use serde_json::{json, Value};

use super::{admin_post, deliver_signup, event_ids, event_state, mirrored, repair, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn replaying_one_event_after_the_repair_applies_it_once() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    let user = deliver_signup(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];
    repair(&app).await;

    let (status, first) =
        admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;
    let (_, again) = admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;

    assert_eq!(status, 200, "{first}");
    assert_eq!(first["outcome"], "applied");
    assert_eq!(first["status"], "applied");
    assert_eq!(first["effect"], "inserted");
    assert_eq!(first["attempts"], 2);
    assert_eq!(first["last_error"], Value::Null);
    assert_eq!(again["outcome"], "already_done");
    assert_eq!(again["attempts"], 2);
    assert_eq!(
        event_state(&app, id).await,
        ("applied".into(), 2, Some("replay".into()))
    );
    assert!(app.mirror_row(user).await.is_some());
    assert_eq!(
        mirrored(&app).await,
        1,
        "only the replayed event is applied"
    );
}

#[tokio::test]
async fn replaying_before_the_repair_answers_still_failing() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];

    let (status, answer) =
        admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "still_failing");
    assert_eq!(answer["status"], "failed");
    assert_eq!(answer["attempts"], 2);
    assert!(
        answer["last_error"]
            .as_str()
            .unwrap()
            .contains("no_example"),
        "{answer}"
    );
    assert_eq!(mirrored(&app).await, 0);
    let (_, again) = admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;
    assert_eq!(
        (again["status"].clone(), again["attempts"].clone()),
        (json!("failed"), json!(3))
    );
}

#[tokio::test]
async fn a_dead_event_replayed_after_the_repair_is_applied() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    let user = deliver_signup(&app).await;
    let id = event_ids(&app).await[0];
    sqlx::query("update auth_mirror.events set status = 'dead', next_attempt_at = null")
        .execute(&app.database.pool)
        .await
        .unwrap();
    let (_, failing) = admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;
    repair(&app).await;

    let (_, answer) = admin_post(&app, "/admin/events/replay", json!({"status": "dead"})).await;

    assert_eq!(
        failing["status"], "dead",
        "a failed replay does not revive it: {failing}"
    );
    assert_eq!(
        (answer["matched"].clone(), answer["applied"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        event_state(&app, id).await,
        ("applied".into(), 3, Some("replay".into()))
    );
    assert!(app.mirror_row(user).await.is_some());
}

#[tokio::test]
async fn an_event_that_did_not_parse_is_applied_and_named_once_the_parser_reads_it() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let user = uuid::Uuid::new_v4();
    let body = crate::payloads::hook(
        "after-user-created",
        uuid::Uuid::new_v4(),
        crate::payloads::hook_user(user, "ada@example.org", "2024-05-01T10:00:00Z"),
    );
    // What an older version, whose parser refused this body, left behind.
    let id: i64 = sqlx::query_scalar(
        "insert into auth_mirror.events (source, kind, event_key, webhook_id, signed_at, payload, \
           status, last_error, next_attempt_at) \
         values ('auth_hook', 'unparsed', 'auth_hook:body:old', 'msg_old', now(), $1, 'failed', \
                 'a field has an unexpected type or value', now() + interval '1 hour') \
         returning id",
    )
    .bind(&body)
    .fetch_one(&app.database.pool)
    .await
    .unwrap();

    let (_, answer) = admin_post(&app, &format!("/admin/events/{id}/replay"), json!(null)).await;

    assert_eq!(answer["outcome"], "applied", "{answer}");
    let (_, shown) = crate::admin::admin_get(&app, &format!("/admin/events/{id}")).await;
    assert_eq!(shown["kind"], "after-user-created");
    assert_eq!(shown["user_id"], user.to_string());
    assert!(app.mirror_row(user).await.is_some());
}
