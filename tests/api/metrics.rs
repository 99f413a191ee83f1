//! `GET /metrics`: latency histograms, the connection pool, deliveries in flight, and no
//! personal data in any label; labels from fixed sets, so that no stranger can grow it; on
//! a port of its own, and on the public one only when configured to.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_adjusted, TestApp};
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

    let text = app.metrics().await;
    for personal in [user.to_string(), "grace@example.com".to_owned()] {
        assert!(!text.contains(&personal), "{personal} in:\n{text}");
    }
}

#[tokio::test]
async fn the_connection_pool_and_deliveries_in_flight_are_reported() {
    let app = spawn_app().await;
    // One connection in use by the test, so the pool has at least one open.
    let held = app.database.pool.acquire().await.unwrap();

    let text = app.metrics().await;
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

/// The series in a scrape: each sample line without its value.
fn series(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' ').map(|(series, _)| series.to_owned()))
        .collect()
}

/// A request with `method` to `path`; its status.
async fn request(app: &TestApp, method: &str, path: &str) -> u16 {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
    let response = app
        .client
        .request(method, format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
    response.status().as_u16()
}

#[tokio::test]
async fn invented_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    // One of each kind first: the series they fall under exist from now on.
    assert_eq!(request(&app, "INVENTED", "/first/unknown/path").await, 404);
    assert_eq!(request(&app, "GET", "/another/unknown/path").await, 404);
    // And the retry worker's first refresh of the events gauge, which adds its own series.
    let before = loop {
        let text = app.metrics().await;
        if text.contains("auth_mirror_events{status=\"failed\"}") {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };

    let strangers = 200;
    for n in 0..strangers {
        let method = format!("M{n}{}", "X".repeat(n * 10));
        let path = format!("/stranger-{}/{n}?q={n}", Uuid::new_v4());
        assert_eq!(
            request(&app, &method, &path).await,
            404,
            "{method:.20} {path}"
        );
        assert_eq!(request(&app, "GET", &path).await, 404);
    }
    let after = app.metrics().await;

    let (before_series, after_series) = (series(&before), series(&after));
    let grown: Vec<_> = after_series.difference(&before_series).collect();
    assert!(grown.is_empty(), "new series: {grown:#?}");
    assert!(
        after.len() < before.len() + 1_000,
        "{} -> {}",
        before.len(),
        after.len()
    );
    let request_count = "auth_mirror_http_request_duration_seconds_count";
    let other = format!(r#"{request_count}{{route="unmatched",method="other",status="404"}} "#);
    let counted = after
        .lines()
        .find_map(|line| line.strip_prefix(other.as_str()));
    assert_eq!(
        counted,
        Some((strangers + 1).to_string().as_str()),
        "{after}"
    );
    assert!(
        !after.contains("INVENTED") && !after.contains("stranger"),
        "{after}"
    );
}

#[tokio::test]
async fn the_public_port_answers_metrics_only_when_configured_to() {
    let app = spawn_app().await;
    let public = app.get("/metrics").await;
    assert_eq!(public.status(), 404);
    assert!(app
        .metrics()
        .await
        .contains("auth_mirror_deliveries_in_flight 0"));

    let both = spawn_app_adjusted(|config| config.metrics.on_public_port = true).await;
    let public = both.get("/metrics").await;
    assert_eq!(public.status(), 200);
    let text = public.text().await.unwrap();
    assert!(
        text.contains("auth_mirror_deliveries_in_flight 0"),
        "{text}"
    );
    assert!(both
        .metrics()
        .await
        .contains("auth_mirror_deliveries_in_flight 0"));
}

#[tokio::test]
async fn the_metrics_port_serves_metrics_and_nothing_else() {
    let app = spawn_app().await;

    for path in ["/healthz", "/hooks/auth", "/admin/events"] {
        let response = app
            .client
            .get(format!("{}{path}", app.metrics_address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}
