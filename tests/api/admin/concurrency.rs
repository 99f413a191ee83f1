//! Two instances of the app on one database replay the same failed events at the same time:
//! each event is applied exactly once.

use serde_json::json;

use super::{deliver_signup, event_ids, event_state, mirrored, repair, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp, ADMIN_TOKEN};

/// More than two bulk batches, so that the instances interleave.
const EVENTS: usize = 250;

async fn post_to(app: &TestApp, base: &str, path: &str) -> serde_json::Value {
    let response = app
        .client
        .post(format!("{base}{path}"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"status": "failed"}))
        .send()
        .await
        .expect("replay request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn two_instances_bulk_replaying_at_once_apply_each_event_exactly_once() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let second = app.another_instance();
    sabotage(&app).await;
    for _ in 0..EVENTS {
        deliver_signup(&app).await;
    }
    repair(&app).await;

    let (one, two) = tokio::join!(
        post_to(&app, &app.address, "/admin/events/replay"),
        post_to(&app, &second, "/admin/events/replay"),
    );

    let replayed = one["replayed"].as_i64().unwrap() + two["replayed"].as_i64().unwrap();
    let applied = one["applied"].as_i64().unwrap() + two["applied"].as_i64().unwrap();
    assert_eq!(
        (replayed, applied),
        (EVENTS as i64, EVENTS as i64),
        "{one} {two}"
    );
    for id in event_ids(&app).await {
        assert_eq!(
            event_state(&app, id).await,
            ("applied".into(), 2, Some("replay".into()))
        );
    }
    assert_eq!(mirrored(&app).await, EVENTS as i64);
}

#[tokio::test]
async fn two_instances_replaying_one_event_at_once_apply_it_once() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let second = app.another_instance();
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];
    repair(&app).await;
    let path = format!("/admin/events/{id}/replay");

    let (one, two) = tokio::join!(
        post_to(&app, &app.address, &path),
        post_to(&app, &second, &path)
    );

    let mut outcomes = [one["outcome"].clone(), two["outcome"].clone()];
    outcomes.sort_by_key(|outcome| outcome.to_string());
    assert_eq!(outcomes, [json!("already_done"), json!("applied")]);
    assert_eq!(
        event_state(&app, id).await,
        ("applied".into(), 2, Some("replay".into()))
    );
}

#[tokio::test]
async fn the_retry_workers_of_two_instances_retry_each_event_exactly_once() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    app.another_instance();
    sabotage(&app).await;
    for _ in 0..EVENTS {
        deliver_signup(&app).await;
    }
    repair(&app).await;

    // Everything is due at once: both workers (polling every second) claim batches of it.
    sqlx::query("update auth_mirror.events set next_attempt_at = now()")
        .execute(&app.database.pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while mirrored(&app).await < EVENTS as i64 {
        assert!(
            started.elapsed().as_secs() < 30,
            "the workers did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    for id in event_ids(&app).await {
        assert_eq!(
            event_state(&app, id).await,
            ("applied".into(), 2, Some("retry".into()))
        );
    }
}
