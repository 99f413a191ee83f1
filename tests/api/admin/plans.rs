//! Plans that do not depend on statistics: on a small table never analyzed, where the planner
//! would rather read the whole table, the retry worker, retention, the events gauge and the
//! admin API's reads still go through indexes (`pg_stat_user_tables` counts no sequential
//! scan of `auth_mirror.events`), and the gauge tells counted from estimated figures.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::worker::{eventually, metrics};
use super::{admin_get, admin_post};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp};

/// 40 events stored by SQL (so that no delivery's own statements are counted): every tenth
/// failed and due in an hour, every tenth but one dead, the rest applied; one page of table.
async fn store_events(app: &TestApp) -> Uuid {
    let user = Uuid::new_v4();
    sqlx::query(
        "insert into auth_mirror.events (source, kind, event_key, user_id, webhook_id, signed_at, \
                                         payload, status, next_attempt_at, last_error) \
         select 'auth_hook', 'after-user-created', 'hook:' || gen_random_uuid(), \
                case when g = 1 then $1 else gen_random_uuid() end, 'msg_' || g, now(), \
                convert_to('{}', 'UTF8'), \
                case g % 10 when 0 then 'failed' when 1 then 'dead' else 'applied' end, \
                case when g % 10 = 0 then now() + interval '1 hour' end, \
                case when g % 10 in (0, 1) then 'database error 23514' end \
         from generate_series(1, 40) as g",
    )
    .bind(user)
    .execute(&app.database.pool)
    .await
    .expect("store events");
    user
}

/// (sequential scans, index scans) of `auth_mirror.events` so far.
async fn scans(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "select seq_scan, coalesce(idx_scan, 0) from pg_stat_user_tables \
         where relid = 'auth_mirror.events'::regclass",
    )
    .fetch_one(&app.database.pool)
    .await
    .expect("read scan counts")
}

/// Waits until the app's backends have reported index scans beyond `before` (a backend
/// reports its counts up to a second after its statements), then 1.5 s more for any report
/// still pending; the counts then.
async fn scans_after(app: &TestApp, before: (i64, i64)) -> (i64, i64) {
    eventually(
        "an index scan of auth_mirror.events is reported",
        || async { scans(app).await.1 > before.1 },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    scans(app).await
}

/// Whether the metrics show every `line` (`status="..."} value`) of the gauge `name`.
async fn gauge_shows(app: &TestApp, name: &str, lines: &[&str]) -> bool {
    let text = metrics(app).await;
    lines
        .iter()
        .all(|line| text.contains(&format!("{name}{{status=\"{line}")))
}

#[tokio::test]
async fn the_worker_retention_and_gauge_never_scan_the_whole_events_table() {
    let app = spawn_admin_app(AdminSetup {
        schedule: "50ms",
        retention: Duration::from_secs(3600),
        housekeeping_every: Duration::from_millis(50),
        ..AdminSetup::default()
    })
    .await;
    store_events(&app).await;
    let before = scans(&app).await;

    // Rounds of claims, retention and the gauge, every 50 ms.
    let counted = ["failed\"} 4\n", "dead\"} 4\n"];
    eventually("the gauge counts failed and dead events", || {
        gauge_shows(&app, "auth_mirror_events", &counted)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = scans_after(&app, before).await;

    assert_eq!(after.0, before.0, "sequential scans of auth_mirror.events");
    assert!(gauge_shows(&app, "auth_mirror_events", &counted).await);
    let text = metrics(&app).await;
    assert!(
        !text.contains("auth_mirror_events_estimated{"),
        "no estimate before the table is analyzed: {text}"
    );
}

#[tokio::test]
async fn applied_and_ignored_events_are_estimated_once_the_table_is_analyzed() {
    let app = spawn_admin_app(AdminSetup {
        housekeeping_every: Duration::from_millis(50),
        ..AdminSetup::default()
    })
    .await;
    store_events(&app).await;

    sqlx::query("analyze auth_mirror.events")
        .execute(&app.database.pool)
        .await
        .unwrap();

    eventually("applied and ignored events are estimated", || {
        gauge_shows(
            &app,
            "auth_mirror_events_estimated",
            &["applied\"} 32\n", "ignored\"} 0\n"],
        )
    })
    .await;
}

#[tokio::test]
async fn the_admin_api_reads_events_through_indexes() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let user = store_events(&app).await;
    let before = scans(&app).await;

    for path in [
        "/admin/events".to_owned(),
        "/admin/events?status=failed".to_owned(),
        "/admin/events?status=dead&limit=2".to_owned(),
        format!("/admin/events?user_id={user}"),
        "/admin/events?since=2000-01-01T00:00:00Z".to_owned(),
        "/admin/events/1?payload=true".to_owned(),
    ] {
        let (status, body) = admin_get(&app, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, dry_run) = admin_post(
        &app,
        "/admin/events/replay",
        json!({"status": "dead", "dry_run": true}),
    )
    .await;
    assert_eq!(status, 200, "{dry_run}");
    assert_eq!(dry_run["matched"], 4, "{dry_run}");
    let after = scans_after(&app, before).await;

    assert_eq!(after.0, before.0, "sequential scans of auth_mirror.events");
}
