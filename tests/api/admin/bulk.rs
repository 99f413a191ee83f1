//! Bulk replay: a dry run, bounded calls continued by cursor, expunged events counted apart.

use serde_json::{json, Value};

use super::{
    admin, admin_post, deliver_signup, event_ids, event_state, mirrored, repair, sabotage, send,
};
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn bulk_replay_counts_on_a_dry_run_then_applies_and_a_second_run_changes_nothing() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    deliver_signup(&app).await;
    sabotage(&app).await;
    for _ in 0..5 {
        deliver_signup(&app).await;
    }
    repair(&app).await;

    let (status, dry) = admin_post(
        &app,
        "/admin/events/replay",
        json!({"status": "failed", "dry_run": true}),
    )
    .await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(
        (
            dry["dry_run"].clone(),
            dry["matched"].clone(),
            dry["replayed"].clone()
        ),
        (json!(true), json!(5), json!(0))
    );
    assert_eq!(mirrored(&app).await, 1, "a dry run changes nothing");

    let (_, run) = admin_post(&app, "/admin/events/replay", json!({"status": "failed"})).await;
    let (_, second) = admin_post(&app, "/admin/events/replay", json!({"status": "failed"})).await;

    assert_eq!(
        run,
        json!({"dry_run": false, "matched": 5, "replayed": 5, "applied": 5, "still_failing": 0,
               "ignored": 0, "expunged": 0, "skipped": 0, "next_cursor": null})
    );
    assert_eq!(second["matched"], 0, "{second}");
    assert_eq!(second["replayed"], 0, "{second}");
    let (status, applied) =
        admin_post(&app, "/admin/events/replay", json!({"status": "applied"})).await;
    assert_eq!(
        status, 200,
        "replaying applied events is a harmless no-op: {applied}"
    );
    assert_eq!(
        (applied["matched"].clone(), applied["replayed"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(mirrored(&app).await, 6);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("auth_mirror_replays_total{outcome=\"applied\"} 5\n"),
        "{metrics}"
    );
    for id in &event_ids(&app).await[1..] {
        assert_eq!(
            event_state(&app, *id).await,
            ("applied".into(), 2, Some("replay".into()))
        );
    }
}

#[tokio::test]
async fn bulk_replay_stops_at_the_limit_and_continues_from_its_cursor() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..5 {
        deliver_signup(&app).await;
    }
    repair(&app).await;

    let (_, first) = admin_post(&app, "/admin/events/replay", json!({"limit": 3})).await;
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
    let (_, rest) = admin_post(&app, "/admin/events/replay", json!({"cursor": cursor})).await;

    assert_eq!(
        (
            first["matched"].clone(),
            first["replayed"].clone(),
            first["skipped"].clone()
        ),
        (json!(5), json!(3), json!(2))
    );
    assert_eq!(
        (rest["matched"].clone(), rest["replayed"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(mirrored(&app).await, 5);
}

#[tokio::test]
async fn bulk_replay_counts_expunged_events_apart_and_leaves_them() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..3 {
        deliver_signup(&app).await;
    }
    let expunged = event_ids(&app).await[1];
    let path = format!("/admin/events/{expunged}/payload");
    assert_eq!(
        send(admin(&app, reqwest::Method::DELETE, &path)).await.0,
        200
    );
    repair(&app).await;

    let (_, run) = admin_post(&app, "/admin/events/replay", json!({})).await;

    assert_eq!(
        (
            run["matched"].clone(),
            run["replayed"].clone(),
            run["expunged"].clone()
        ),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!(run["skipped"], 0);
    assert_eq!(
        event_state(&app, expunged).await,
        ("failed".into(), 1, None)
    );
    assert_eq!(mirrored(&app).await, 2);
}
