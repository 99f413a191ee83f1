//! The metrics the operator's alert rules read that no other test covers (deploy/alerts.yml):
//! readiness, the spool's limit, and trigger errors waiting for a reconcile.

use std::time::Duration;

use serde_json::json;

use crate::admin::reconcile::{finished, start};
use crate::admin::worker::eventually;
use crate::helpers::{
    as_auth_admin, spawn_admin_app, spawn_app_adjusted, AdminSetup, Signup, TestApp,
};
use crate::signature::metric;

const T1: &str = "2024-05-01T10:00:00Z";

#[tokio::test]
async fn readiness_is_reported_once_readyz_has_answered_and_drops_to_zero_when_it_fails() {
    let app = spawn_app_adjusted(|config| config.spool.max_bytes = 0).await;
    // No check yet: nothing to report (a missing probe must not read as "not ready").
    assert_eq!(ready(&app).await, None);

    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(ready(&app).await, Some(1.0));

    // Neither the database nor the (full) spool can take a delivery.
    app.database.drop_now().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(ready(&app).await, Some(0.0));
}

#[tokio::test]
async fn the_spool_limit_is_reported_beside_the_spool_size() {
    let app = spawn_app_adjusted(|config| config.spool.max_bytes = 3_000_000).await;

    assert_eq!(
        metric(&app, "auth_mirror_spool_max_bytes", "").await,
        Some(3_000_000.0)
    );
    assert_eq!(metric(&app, "auth_mirror_spool_bytes", "").await, Some(0.0));
}

#[tokio::test]
async fn trigger_errors_are_counted_until_a_reconcile_resolves_them() {
    let app = spawn_admin_app(AdminSetup {
        housekeeping_every: Duration::from_millis(50),
        ..AdminSetup::default()
    })
    .await;
    assert_eq!(unresolved(&app).await, Some(0.0));
    // A mirror write the trigger cannot make: the signup commits, the error is recorded.
    let constraint = "alter table public.users add constraint test_rejects_blocked \
                      check (email is distinct from 'blocked@example.com')";
    sqlx::query(constraint)
        .execute(&app.database.pool)
        .await
        .unwrap();
    let signup = Signup::email("blocked@example.com", T1);
    as_auth_admin(&app.database.pool, &signup.sql()).await;

    eventually("the gauge counts the trigger error", || async {
        unresolved(&app).await == Some(1.0)
    })
    .await;

    sqlx::query("alter table public.users drop constraint test_rejects_blocked")
        .execute(&app.database.pool)
        .await
        .unwrap();
    let (_, location) = start(&app, &app.address, json!({})).await;
    assert_eq!(finished(&app, &location).await["state"], "succeeded");
    eventually("the reconcile resolved it", || async {
        unresolved(&app).await == Some(0.0)
    })
    .await;
}

/// `auth_mirror_ready`: a family without labels, written `auth_mirror_ready{} 1`.
async fn ready(app: &TestApp) -> Option<f64> {
    let text = app.metrics().await;
    text.lines()
        .find_map(|line| line.strip_prefix("auth_mirror_ready{} "))
        .map(|value| value.parse().unwrap())
}

async fn unresolved(app: &TestApp) -> Option<f64> {
    metric(app, "auth_mirror_trigger_errors_unresolved", "").await
}
