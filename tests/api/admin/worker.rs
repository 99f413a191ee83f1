//! The retry worker inside the app: failed events retried on `RETRY_SCHEDULE` then `dead`;
//! `EVENT_RETENTION` deleting only old applied and ignored events; the events gauge.

use std::future::Future;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{deliver_signup, event_ids, event_state, repair, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp};
use crate::payloads::{hook, hook_user};

/// How long the worker may take to do what a test waits for.
const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `check` until it holds, or fails after `DEADLINE`.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < DEADLINE,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(super) async fn metrics(app: &TestApp) -> String {
    app.metrics().await
}

#[tokio::test]
async fn the_worker_moves_a_failing_event_through_the_schedule_to_dead() {
    let app = spawn_admin_app(AdminSetup {
        schedule: "50ms,50ms",
        ..AdminSetup::default()
    })
    .await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];

    eventually("the event is dead", || async {
        event_state(&app, id).await.0 == "dead"
    })
    .await;

    assert_eq!(event_state(&app, id).await, ("dead".into(), 3, None));
    let (next_attempt, last_error): (Option<chrono::DateTime<chrono::Utc>>, Option<String>) =
        sqlx::query_as("select next_attempt_at, last_error from auth_mirror.events where id = $1")
            .bind(id)
            .fetch_one(&app.database.pool)
            .await
            .unwrap();
    assert_eq!(next_attempt, None);
    assert!(last_error.unwrap().contains("no_example"));
    let text = metrics(&app).await;
    assert!(
        text.contains("auth_mirror_retries_total{outcome=\"still_failing\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("auth_mirror_dead_events_total 1\n"), "{text}");
}

#[tokio::test]
async fn the_worker_applies_a_failed_event_once_the_cause_is_repaired() {
    let app = spawn_admin_app(AdminSetup {
        schedule: "100ms,100ms,100ms,100ms,100ms",
        ..AdminSetup::default()
    })
    .await;
    sabotage(&app).await;
    let user = deliver_signup(&app).await;
    let id = event_ids(&app).await[0];
    repair(&app).await;

    eventually("the event is applied", || async {
        event_state(&app, id).await.0 == "applied"
    })
    .await;

    let (_, attempts, via) = event_state(&app, id).await;
    assert!(attempts >= 2, "{attempts}");
    assert_eq!(via.as_deref(), Some("retry"));
    assert!(app.mirror_row(user).await.is_some());
    // The worker counts the retry after its commit, which the row above may show first.
    eventually("the retry is counted", || async {
        metrics(&app)
            .await
            .contains("auth_mirror_retries_total{outcome=\"applied\"} 1\n")
    })
    .await;
}

#[tokio::test]
async fn retention_deletes_old_applied_and_ignored_events_only() {
    let app = spawn_admin_app(AdminSetup {
        retention: Duration::from_secs(3600),
        housekeeping_every: Duration::from_millis(50),
        ..AdminSetup::default()
    })
    .await;
    let applied = deliver_signup(&app).await;
    let before = hook(
        "before-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "", "0001-01-01T00:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &before).await.status(), 200);
    sabotage(&app).await;
    deliver_signup(&app).await;
    deliver_signup(&app).await;
    repair(&app).await;
    let ids = event_ids(&app).await;
    let pool = &app.database.pool;
    sqlx::query("update auth_mirror.events set status = 'dead' where id = $1")
        .bind(ids[3])
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update auth_mirror.events set received_at = now() - interval '2 hours'")
        .execute(pool)
        .await
        .unwrap();
    let recent = deliver_signup(&app).await;

    eventually("old applied and ignored events are gone", || async {
        event_ids(&app).await.len() == 3
    })
    .await;

    let left: Vec<(String, Option<Uuid>)> =
        sqlx::query_as("select status, user_id from auth_mirror.events order by id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(left[0].0, "failed");
    assert_eq!(left[1].0, "dead");
    assert_eq!(left[2], ("applied".to_owned(), Some(recent)));
    assert!(
        app.mirror_row(applied).await.is_some(),
        "retention never touches the mirror"
    );
    eventually("the gauge counts what is left", || async {
        let text = metrics(&app).await;
        // applied and ignored are estimates (admin::plans).
        ["failed\"} 1\n", "dead\"} 1\n"]
            .iter()
            .all(|line| text.contains(&format!("auth_mirror_events{{status=\"{line}")))
    })
    .await;
}

#[tokio::test]
async fn the_worker_gives_up_at_once_on_a_failed_event_whose_payload_was_expunged() {
    let app = spawn_admin_app(AdminSetup {
        schedule: "50ms,50ms,50ms,50ms",
        ..AdminSetup::default()
    })
    .await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];
    sqlx::query("update auth_mirror.events set payload = null where id = $1")
        .bind(id)
        .execute(&app.database.pool)
        .await
        .unwrap();

    eventually("the event is dead", || async {
        event_state(&app, id).await.0 == "dead"
    })
    .await;

    let last_error: Option<String> =
        sqlx::query_scalar("select last_error from auth_mirror.events where id = $1")
            .bind(id)
            .fetch_one(&app.database.pool)
            .await
            .unwrap();
    assert_eq!(
        last_error.as_deref(),
        Some("payload expunged; cannot be applied")
    );
    assert!(metrics(&app)
        .await
        .contains("auth_mirror_dead_events_total 1\n"));
}
