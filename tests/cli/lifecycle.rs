//! The embedded cluster's life through the real binary: where it lives, who stops it, its
//! port and URL, and what start-up refuses before creating anything.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use super::cluster::{is_root, postgres_running_in, ClusterGuard};
use super::service::Service;
use super::{after_user_created, auth_mirror, run, sandbox, stderr};

/// The `embedded PostgreSQL <how>` start-up event.
const DATABASE_EVENT: &str = "embedded PostgreSQL";

/// `auth-mirror db url` in `dir`.
async fn db_url(dir: &Path) -> String {
    let output = run(auth_mirror(dir, &["db", "url"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn a_clone_in_a_private_folder_gets_a_cluster_with_a_stable_url_that_psql_can_use() {
    // As root, the postgres OS user cannot traverse a 0700 folder of root's: a clone under /root.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let url_before_any_start = db_url(dir.path()).await;

    let mut first = Service::start(dir.path());
    let event = first.log_event(DATABASE_EVENT).await;
    let guard = ClusterGuard::from_event(&event, dir.path());
    first.wait_until_ready().await;
    let message = event["message"].as_str().unwrap();
    assert!(
        message.starts_with("embedded PostgreSQL started"),
        "{message}"
    );
    assert_eq!(
        message.contains("kept outside the data folder"),
        is_root(),
        "{message}"
    );
    assert_eq!(event["url"], url_before_any_start.as_str());
    let psql = Command::new("psql")
        .arg(db_url(dir.path()).await)
        .args(["-XAtc", "select count(*) from auth.users"])
        .output()
        .expect("psql runs");
    assert_eq!(
        String::from_utf8_lossy(&psql.stdout).trim(),
        "0",
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );
    first.stop().await;
    assert!(!postgres_running_in(guard.folder()));

    let mut second = Service::start(dir.path());
    let again = second.log_event(DATABASE_EVENT).await;
    second.wait_until_ready().await;
    second.stop().await;

    assert_eq!(again["url"], url_before_any_start.as_str());
    assert_eq!(again["folder"], event["folder"]);
    assert!(!postgres_running_in(guard.folder()));
}

#[tokio::test]
async fn a_second_instance_shares_the_cluster_and_keeps_working_after_the_first_stops() {
    let dir = sandbox();
    let mut first = Service::start(dir.path());
    let guard = ClusterGuard::from_event(&first.log_event(DATABASE_EVENT).await, dir.path());
    first.wait_until_ready().await;
    let mut second = Service::start(dir.path());
    let shared = second.log_event(DATABASE_EVENT).await;
    let secret = second.development_secret().await;
    second.wait_until_ready().await;

    first.stop().await;

    assert!(
        shared["message"]
            .as_str()
            .unwrap()
            .starts_with("embedded PostgreSQL shared"),
        "{shared}"
    );
    assert_eq!(second.get("/readyz").await.status(), 200);
    assert_eq!(second.deliver(&secret, &after_user_created()).await, 200);
    second.stop().await;
    assert!(!postgres_running_in(guard.folder()));
}

#[tokio::test]
async fn a_cluster_left_by_a_killed_instance_is_adopted_and_stopped_on_a_clean_exit() {
    let dir = sandbox();
    let mut crashed = Service::start(dir.path());
    let guard = ClusterGuard::from_event(&crashed.log_event(DATABASE_EVENT).await, dir.path());
    crashed.wait_until_ready().await;
    crashed.kill_hard();
    assert!(
        postgres_running_in(guard.folder()),
        "kill -9 leaves the server"
    );

    let mut next = Service::start(dir.path());
    let adopted = next.log_event(DATABASE_EVENT).await;
    next.wait_until_ready().await;
    next.stop().await;

    assert!(
        adopted["message"]
            .as_str()
            .unwrap()
            .starts_with("embedded PostgreSQL adopted"),
        "{adopted}"
    );
    assert!(!postgres_running_in(guard.folder()));
}

#[tokio::test]
async fn a_busy_port_stops_start_up_before_any_cluster_and_prints_no_secret() {
    let dir = sandbox();
    let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let mut command = auth_mirror(dir.path(), &["serve"]);
    command.env("HOST", "127.0.0.1").env("PORT", &port);

    let output = run(command).await;

    let message = stderr(&output);
    assert!(!output.status.success(), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("PORT"), "{message}");
    assert!(output.stdout.is_empty(), "printed: {:?}", output.stdout);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "start-up created {left:?}");
}

#[tokio::test]
async fn db_url_prints_database_url_without_its_password() {
    let dir = sandbox();
    let mut command = auth_mirror(dir.path(), &["db", "url"]);
    command.env(
        "DATABASE_URL",
        "postgres://app:pa55word@db.example.com:6543/postgres?sslmode=require",
    );

    let output = run(command).await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "postgres://app@db.example.com:6543/postgres?sslmode=require\n"
    );
}
