//! `auth-mirror events`: the real binary against the real app's admin API.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

use super::{deliver_signup, event_ids, event_state, repair, sabotage, PRIVATE_EMAIL};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp, ADMIN_TOKEN};

const BINARY: &str = env!("CARGO_BIN_EXE_auth-mirror");

/// `auth-mirror events <args>` pointed at `app` through the environment, as a user would.
async fn events(app: &TestApp, args: &[&str]) -> Output {
    events_with_env(
        args,
        &[
            ("AUTH_MIRROR_URL", &app.address),
            ("ADMIN_TOKEN", ADMIN_TOKEN),
        ],
    )
    .await
}

async fn events_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command
        .arg("events")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
        .await
        .expect("the command ends within 60 s")
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[tokio::test]
async fn events_list_and_show_print_tables_or_json_without_personal_data() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0].to_string();

    let table = events(&app, &["list", "--status", "failed"]).await;
    let listed = json(&events(&app, &["list", "--status", "failed", "--json"]).await);
    let shown = events(&app, &["show", &id]).await;
    let with_payload = json(&events(&app, &["show", &id, "--payload", "--json"]).await);

    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains("STATUS") && text.contains("LAST ERROR"),
        "{text}"
    );
    assert_eq!(text.matches("23514").count(), 2, "{text}");
    assert!(text.contains("2 event(s)"), "{text}");
    assert!(!text.contains(PRIVATE_EMAIL), "{text}");
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    let shown = stdout(&shown);
    assert!(
        shown.contains("attempts      1") && shown.contains("payload       stored"),
        "{shown}"
    );
    assert!(!shown.contains(PRIVATE_EMAIL), "{shown}");
    assert_eq!(with_payload["payload"]["user"]["email"], PRIVATE_EMAIL);
}

#[tokio::test]
async fn events_replay_replays_one_then_the_rest_in_bulk() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..3 {
        deliver_signup(&app).await;
    }
    let ids = event_ids(&app).await;
    repair(&app).await;

    let one = events(&app, &["replay", &ids[0].to_string()]).await;
    let dry = json(
        &events(
            &app,
            &["replay", "--status", "failed", "--dry-run", "--json"],
        )
        .await,
    );
    let limited = json(
        &events(
            &app,
            &["replay", "--status", "failed", "--limit", "1", "--json"],
        )
        .await,
    );
    let rest = events(&app, &["replay", "--status", "failed"]).await;

    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(
        stdout(&one),
        format!("event {}: applied (status applied, 2 attempt(s))\n", ids[0])
    );
    assert_eq!(
        (dry["matched"].clone(), dry["replayed"].clone()),
        (2.into(), 0.into()),
        "{dry}"
    );
    assert_eq!(
        (limited["replayed"].clone(), limited["applied"].clone()),
        (1.into(), 1.into()),
        "{limited}"
    );
    assert_eq!(
        stdout(&rest),
        "matched 1, replayed 1: 1 applied, 0 still failing, 0 ignored; 0 expunged, 0 skipped\n"
    );
    for id in ids {
        assert_eq!(event_state(&app, id).await.0, "applied");
    }
}

#[tokio::test]
async fn events_stats_prints_counts_per_source_and_status() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    deliver_signup(&app).await;
    sabotage(&app).await;
    deliver_signup(&app).await;

    let output = events(&app, &["stats"]).await;
    let stats = json(&events(&app, &["stats", "--json"]).await);

    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("auth_hook") && text.contains("oldest failed: 20"),
        "{text}"
    );
    assert_eq!(stats["by_status"]["failed"], 1);
    assert_eq!(stats["by_status"]["applied"], 1);
}

#[tokio::test]
async fn events_explains_a_missing_or_wrong_token_an_unreachable_url_and_bad_filters() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let url = app.address.as_str();

    let no_token = events_with_env(&["list"], &[("AUTH_MIRROR_URL", url)]).await;
    let wrong = events_with_env(&["list", "--url", url, "--token", "nope"], &[]).await;
    let unreachable = events_with_env(
        &["stats", "--url", "http://127.0.0.1:1", "--token", "x"],
        &[],
    )
    .await;
    let bad_filter = events(&app, &["list", "--status", "broken"]).await;
    let unknown = events(&app, &["show", "987654"]).await;
    let one_and_filters = events(&app, &["replay", "1", "--status", "failed"]).await;

    for (case, output, expected) in [
        ("no token", &no_token, "ADMIN_TOKEN"),
        ("wrong token", &wrong, "401 unauthorized"),
        (
            "unreachable",
            &unreachable,
            "cannot reach http://127.0.0.1:1",
        ),
        ("bad filter", &bad_filter, "400 invalid_status"),
        ("unknown id", &unknown, "404 event_not_found"),
        ("an id and filters", &one_and_filters, "cannot be used with"),
    ] {
        assert!(!output.status.success(), "{case}");
        assert!(
            stderr(output).contains(expected),
            "{case}: {}",
            stderr(output)
        );
        assert!(!stderr(output).contains(ADMIN_TOKEN), "{case}");
    }
}
