//! The operator's kit against the running binary: every metric that the alert rules
//! (deploy/alerts.yml), their tests (deploy/alerts.test.yml) and the Grafana dashboard
//! (deploy/grafana-dashboard.json) name is one the service exposes, and the labels they select
//! on have the values the service gives them. (deploy/check-alerts.sh checks the rules and the
//! queries themselves with promtool.)

use std::collections::BTreeSet;

use auth_mirror::webhook::WebhookSecrets;

use crate::deploy::files::repository_file;
use crate::deploy::running::Running;

const KIT: [&str; 3] = [
    "deploy/alerts.yml",
    "deploy/alerts.test.yml",
    "deploy/grafana-dashboard.json",
];

/// Every `auth_mirror_...` word of `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("auth_mirror_"))
        .map(str::to_owned)
        .collect()
}

/// The sample names an exposition can carry, from its `# TYPE` lines: a counter's `_total`, a
/// histogram's `_bucket`, `_sum` and `_count`, a gauge's own name.
fn exposed_names(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .flat_map(|line| {
            let (name, kind) = line.split_once(' ').expect("# TYPE name kind");
            let suffixes: &[&str] = match kind {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_sum", "_count"],
                _ => &[""],
            };
            suffixes.iter().map(move |suffix| format!("{name}{suffix}"))
        })
        .collect()
}

#[tokio::test]
async fn the_alert_rules_and_the_dashboard_read_only_metrics_and_labels_the_service_exposes() {
    let running = Running::start(&[]).await;
    // A hook request signed with another secret (rejected) and a readiness check, so that
    // the series the rules select by label exist.
    let other_secret = WebhookSecrets::generate();
    assert_eq!(running.service.deliver(&other_secret, b"{}").await, 401);
    assert_eq!(running.service.get("/readyz").await.status(), 200);
    // The events gauge appears with the retry worker's first housekeeping round.
    let mut exposition = String::new();
    for _ in 0..200 {
        exposition = running.service.metrics().await;
        if exposition.contains("auth_mirror_events{") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let exposed = exposed_names(&exposition);
    for file in KIT {
        let named = metric_names(&repository_file(file));
        assert!(!named.is_empty(), "{file} names no metric");
        let unknown: Vec<&String> = named.difference(&exposed).collect();
        assert!(
            unknown.is_empty(),
            "{file} names metrics the service does not expose: {unknown:?}\n{exposition}"
        );
    }
    // The label values the rules select on.
    let series = |name: &str, label: &str| {
        exposition
            .lines()
            .any(|line| line.starts_with(&format!("{name}{{")) && line.contains(label))
    };
    let request = "auth_mirror_http_request_duration_seconds_bucket";
    assert!(series(request, r#"route="/hooks/auth""#), "{exposition}");
    let reason = r#"reason="no_valid_signature""#;
    assert!(
        series("auth_mirror_rejections_total", reason),
        "{exposition}"
    );
    for status in ["dead", "failed"] {
        let status = format!("status=\"{status}\"");
        assert!(series("auth_mirror_events", &status), "{exposition}");
    }
    assert!(
        exposition.contains("\nauth_mirror_ready{} 1\n"),
        "{exposition}"
    );
    running.service.stop().await;
}
