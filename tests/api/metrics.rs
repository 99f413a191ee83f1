//! `GET /metrics`: latency histograms, the connection pool, deliveries in flight, and no
//! personal data in any label.

use uuid::Uuid;

use crate::helpers::spawn_app;
use crate::payloads::{hook, hook_user};
use crate::signature::metric;

#[tokio::test]
async fn a_delivery_is_timed_by_source_and_route_without_personal_data() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "grace@example.com", "2024-05-01T10:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
    assert_eq!(app.get(&format!("/users/{user}")).await.status(), 404);

    let apply = "auth_mirror_apply_duration_seconds";
    let request = "auth_mirror_http_request_duration_seconds";
    assert_eq!(
        metric(&app, &format!("{apply}_count"), r#"source="auth_hook""#).await,
        Some(1.0)
    );
    let hooked = r#"route="/hooks/auth",method="POST",status="200""#;
    assert_eq!(
        metric(&app, &format!("{request}_count"), hooked).await,
        Some(1.0)
    );
    // An unmatched path is counted under one label, never under the path itself.
    let unmatched = r#"route="unmatched",method="GET",status="404""#;
    assert_eq!(
        metric(&app, &format!("{request}_count"), unmatched).await,
        Some(1.0)
    );
    // Buckets reach past Supabase's 5 s budget.
    let slow = format!(r#"le="8.192",{hooked}"#);
    assert_eq!(
        metric(&app, &format!("{request}_bucket"), &slow).await,
        Some(1.0)
    );

    let text = app.get("/metrics").await.text().await.unwrap();
    for personal in [user.to_string(), "grace@example.com".to_owned()] {
        assert!(!text.contains(&personal), "{personal} in:\n{text}");
    }
}

#[tokio::test]
async fn the_connection_pool_and_deliveries_in_flight_are_reported() {
    let app = spawn_app().await;
    // One connection in use by the test, so the pool has at least one open.
    let held = app.database.pool.acquire().await.unwrap();

    let text = app.get("/metrics").await.text().await.unwrap();
    let gauge = |name: &str| -> i64 {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("auth_mirror_{name} ")))
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
            .parse()
            .unwrap()
    };

    // The pool behind the app is the test's pool (`TestDatabase`): 16 at most.
    assert_eq!(gauge("db_pool_max_connections"), 16);
    assert!(gauge("db_pool_connections") >= 1);
    assert!(gauge("db_pool_in_use") >= 1);
    assert_eq!(
        gauge("db_pool_connections"),
        gauge("db_pool_idle") + gauge("db_pool_in_use")
    );
    assert_eq!(gauge("deliveries_in_flight"), 0);
    drop(held);
}
