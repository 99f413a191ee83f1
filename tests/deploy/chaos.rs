//! Chaos: the mirror's PostgreSQL stops mid-stream and comes back. Deliveries sent during the
//! outage are answered 2xx from the spool within the deadline, `/readyz` keeps the receiver in
//! rotation, and after recovery every answered delivery is stored and applied exactly once.
//!
//! The service runs as on Fly (`DATABASE_URL`, `WEBHOOK_SECRETS`) against a cluster of this
//! test's own, since stopping the test run's shared server would stop every other test.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use auth_mirror::embedded_db::{EmbeddedPostgres, PgBinaries};
use auth_mirror::webhook::WebhookSecrets;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::cli::process::sandbox;
use crate::cli::service::Service;
use crate::payloads::{hook, hook_user};

const DEADLINE_MS: u64 = 1_000;
/// Scheduling slack on a busy CI machine.
const SLACK: Duration = Duration::from_millis(1_500);

fn signup(user: Uuid) -> Vec<u8> {
    hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(user, "chaos@example.org", "2024-05-01T10:00:00Z"),
    )
}

/// `pg_ctl` on `data_dir`, as the `postgres` OS user when running as root (initdb's rule).
fn pg_ctl(data_dir: &Path, args: &[&str]) {
    let pg_ctl = PgBinaries::locate()
        .expect("PostgreSQL binaries")
        .path("pg_ctl");
    let mut command = if nix::unistd::Uid::effective().is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(pg_ctl);
        command
    } else {
        Command::new(pg_ctl)
    };
    let status = command
        .args(args)
        .arg("-D")
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run pg_ctl");
    assert!(status.success(), "pg_ctl {args:?} failed");
}

#[tokio::test]
async fn deliveries_during_a_database_outage_are_spooled_then_mirrored_exactly_once() {
    let cluster_dir = sandbox();
    let cluster = EmbeddedPostgres::start(&cluster_dir.path().join("pg")).expect("a cluster");
    let port = cluster.port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let secret = WebhookSecrets::generate();
    let dir = sandbox();
    let deadline = DEADLINE_MS.to_string();
    let mut service = Service::start_with_env(
        dir.path(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("WEBHOOK_SECRETS", secret.as_str()),
            ("DELIVERY_DEADLINE_MS", deadline.as_str()),
        ],
    );
    service.wait_until_ready().await;
    let mut users = Vec::new();
    let mut send = |user| {
        users.push(user);
        signup(user)
    };

    for _ in 0..10 {
        assert_eq!(service.deliver(&secret, &send(Uuid::new_v4())).await, 200);
    }

    // The outage.
    pg_ctl(cluster.data_dir(), &["stop", "--wait", "--mode=fast"]);
    for _ in 0..20 {
        let started = Instant::now();
        let status = service.deliver(&secret, &send(Uuid::new_v4())).await;
        let took = started.elapsed();
        assert_eq!(status, 200);
        assert!(
            took < Duration::from_millis(DEADLINE_MS) + SLACK,
            "answered after {took:?}"
        );
    }
    let ready = service.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["database"], "unreachable", "{ready}");
    assert_eq!(ready["spool"]["records"], 20, "{ready}");

    // Recovery, on the same port.
    let options = format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''");
    pg_ctl(
        cluster.data_dir(),
        &["start", "--wait", "--timeout=60", "-o", &options],
    );
    for _ in 0..10 {
        assert_eq!(service.deliver(&secret, &send(Uuid::new_v4())).await, 200);
    }

    let mut database = PgConnection::connect(&url).await.expect("connect");
    let started = Instant::now();
    loop {
        let mirrored: i64 =
            sqlx::query_scalar("select count(*) from public.users where id = any($1)")
                .bind(&users)
                .fetch_one(&mut database)
                .await
                .unwrap();
        if mirrored == users.len() as i64 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{mirrored} of {} mirrored",
            users.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events: Vec<(Uuid, String)> =
        sqlx::query_as("select user_id, status from auth_mirror.events order by user_id")
            .fetch_all(&mut database)
            .await
            .unwrap();
    let mut expected: Vec<Uuid> = users.clone();
    expected.sort();
    let stored: Vec<Uuid> = events.iter().map(|(user, _)| *user).collect();
    assert_eq!(
        stored, expected,
        "each answered delivery stored exactly once"
    );
    assert!(events.iter().all(|(_, status)| status == "applied"));
    // The drainer empties the spool after the rows it applied are committed: wait for it.
    let started = Instant::now();
    let drained = loop {
        let ready = service
            .get("/readyz")
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap();
        if ready["spool"]["records"] == 0 || started.elapsed() > Duration::from_secs(60) {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(drained["spool"]["records"], 0, "{drained}");
    service.stop().await;
}
