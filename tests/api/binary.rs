//! The `auth-mirror` binary against a fresh database of the test server: `migrate`, and
//! `serve --skip-migrations` (Fly's release command migrates; machines then skip it).

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::helpers::{Setup, TestDatabase};

const BINARY: &str = env!("CARGO_BIN_EXE_auth-mirror");

/// How long a command that should stop by itself may take.
const QUICK: Duration = Duration::from_secs(60);

/// Supabase's database before auth-mirror was ever run against it.
async fn unmigrated_supabase() -> TestDatabase {
    TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await
}

/// `auth-mirror <args>` with only `PATH` and `DATABASE_URL` (and `extra`) set.
fn auth_mirror(db: &TestDatabase, args: &[&str], extra: &[(&str, String)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", db.url())
        .envs(extra.iter().map(|(name, value)| (name, value)))
        // `serve` keeps its spool in the data folder, relative to here: never the checkout.
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn migrate(db: &TestDatabase) -> std::process::Output {
    let output = auth_mirror(db, &["migrate"], &[]).output();
    tokio::time::timeout(QUICK, output)
        .await
        .expect("migrate ends in time")
        .expect("the binary runs")
}

/// What `migrate` leaves: (applied migrations, event store exists, users exists, triggers).
async fn migrated_shape(db: &TestDatabase) -> (i64, bool, bool, i64) {
    sqlx::query_as(
        "select (select count(*) from auth_mirror._sqlx_migrations where success), \
                to_regclass('auth_mirror.events') is not null, \
                to_regclass('public.users') is not null, \
                (select count(*) from pg_trigger \
                  where tgrelid = 'auth.users'::regclass and tgname like 'auth_mirror_user_%')",
    )
    .fetch_one(&db.pool)
    .await
    .expect("read the migrated database")
}

#[tokio::test]
async fn migrate_applies_every_migration_and_installs_the_trigger_and_a_rerun_is_harmless() {
    let db = unmigrated_supabase().await;
    let migrations = auth_mirror::store::migrate::migrations().len() as i64;

    let first = migrate(&db).await;
    let after_first = migrated_shape(&db).await;
    let second = migrate(&db).await;

    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(after_first, (migrations, true, true, 3));
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(migrated_shape(&db).await, after_first);
}

/// The binary embeds `migrations/` itself (build.rs) instead of with `sqlx::migrate!`: what it
/// records must be what sqlx's own reader of the folder makes of each file (the reader
/// `sqlx::migrate!` used), or a database migrated by an earlier build would be refused as
/// changed ("migration N was previously applied but has been modified").
#[tokio::test]
async fn migrate_records_each_file_as_sqlx_reads_the_migrations_folder() {
    let db = unmigrated_supabase().await;
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let expected: Vec<(i64, String, Vec<u8>)> = sqlx::migrate::Migrator::new(folder)
        .await
        .expect("sqlx reads migrations/")
        .iter()
        .map(|m| (m.version, m.description.to_string(), m.checksum.to_vec()))
        .collect();

    let output = migrate(&db).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
        "select version, description, checksum from auth_mirror._sqlx_migrations order by version",
    )
    .fetch_all(&db.pool)
    .await
    .expect("read the history");

    assert!(!expected.is_empty());
    assert_eq!(recorded, expected);
}

#[tokio::test]
async fn serve_with_skip_migrations_creates_nothing_and_is_not_ready() {
    let db = unmigrated_supabase().await;
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut serve = auth_mirror(
        &db,
        &["serve", "--skip-migrations"],
        &[
            ("HOST", "127.0.0.1".to_owned()),
            ("PORT", port.to_string()),
            ("METRICS_PORT", "off".to_owned()),
            (
                "WEBHOOK_SECRETS",
                auth_mirror::webhook::WebhookSecrets::generate(),
            ),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("start serve");

    let client = reqwest::Client::new();
    let started = Instant::now();
    let readyz = loop {
        let answer = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await;
        if let Ok(response) = answer {
            break response;
        }
        assert!(serve.try_wait().expect("status").is_none(), "serve exited");
        assert!(started.elapsed() < QUICK, "serve did not listen in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let status = readyz.status().as_u16();
    let body: serde_json::Value = readyz.json().await.expect("JSON");
    serve.start_kill().expect("stop serve");
    serve.wait().await.expect("serve stopped");

    assert_eq!(
        (status, body["reason"].as_str()),
        (503, Some("migrations_pending"))
    );
    let (private_schema, users): (bool, bool) = sqlx::query_as(
        "select to_regnamespace('auth_mirror') is not null, to_regclass('public.users') is not null",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((private_schema, users), (false, false));
}
