//! Prisma, by Prisma's own code (the node project in `tests/prisma`): its schema engine finds no
//! drift between `prisma/schema.prisma` and freshly migrated databases, and Prisma Client reads
//! and writes the mirror that the running app fills from signed deliveries.
//!
//! Needs `node` (20 or later) and `npm` on `PATH`; `npm ci` runs once per test process when
//! `tests/prisma/node_modules` is missing or older than the lockfile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::helpers::{spawn_app, Setup, TestDatabase};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/prisma")
}

fn run(program: &str, args: &[&str]) -> Result<Output, String> {
    Command::new(program)
        .args(args)
        .current_dir(project())
        .output()
        .map_err(|error| {
            format!(
                "cannot run `{program}` ({error}): the Prisma tests need Node.js 20+ and npm on \
                 PATH; install them to run `cargo test`"
            )
        })
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Node 20 or later (`node --test` with `--test-force-exit`, `import.meta.resolve`).
fn node_is_recent_enough() -> Result<(), String> {
    let output = run("node", &["--version"])?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
        .unwrap_or(0);
    if major >= 20 {
        Ok(())
    } else {
        Err(format!(
            "the Prisma tests need Node.js 20 or later, `node --version` says {version:?}"
        ))
    }
}

/// `npm ci` in tests/prisma unless node_modules is at least as new as the lockfile.
fn install() -> Result<(), String> {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let lock =
        modified(project().join("package-lock.json")).ok_or("tests/prisma has no lockfile")?;
    let installed = modified(project().join("node_modules/.package-lock.json"));
    node_is_recent_enough()?;
    if installed.is_some_and(|installed| installed >= lock) {
        return Ok(());
    }
    let output = run(
        "npm",
        &["ci", "--ignore-scripts", "--no-audit", "--no-fund"],
    )?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "npm ci in tests/prisma failed: {}",
            describe(&output)
        ))
    }
}

/// Installs the node project once per process; every test that needs it waits for that one run.
fn installed() {
    static INSTALL: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(error) = INSTALL.get_or_init(install) {
        panic!("{error}");
    }
}

/// A libpq URL for `database` that node's `pg` can use.
fn url(database: &TestDatabase) -> String {
    match std::env::var("DATABASE_URL") {
        Ok(server) => {
            let mut url = reqwest::Url::parse(&server).expect("DATABASE_URL is a URL");
            url.set_path(&format!("/{}", database.name));
            url.to_string()
        }
        // The throwaway cluster: loopback, `postgres`, trust authentication.
        Err(_) => {
            let options = database.pool.connect_options();
            format!(
                "postgres://{}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                database.name
            )
        }
    }
}

/// Runs `node --test` on `files` with `env`, and fails with node's output unless all passed.
async fn node_test(files: &[&str], env: Vec<(&'static str, String)>) {
    tokio::task::spawn_blocking(installed)
        .await
        .expect("install");
    // --test-force-exit: the schema engine leaves a timer pending after applying migrations,
    // which would hold the process ~10 s after the last test. --test-timeout: a hung engine
    // call fails the test instead of hanging `cargo test`.
    let mut args = vec![
        "--test",
        "--test-force-exit",
        "--test-timeout=120000",
        "--test-reporter=spec",
    ];
    args.extend(files);
    let output = tokio::process::Command::new("node")
        .args(&args)
        .current_dir(project())
        .envs(env)
        .env_remove("NODE_OPTIONS")
        .output()
        .await
        .expect("run node --test");
    assert!(
        output.status.success(),
        "node --test {files:?} failed: {}",
        describe(&output)
    );
}

/// Runs the real `auth-mirror migrate` against `database`, as a user (or Fly's release
/// command) does.
async fn auth_mirror_migrate(database: &TestDatabase) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_auth-mirror"))
        .arg("migrate")
        .env("DATABASE_URL", url(database))
        .env("LOG_FORMAT", "json")
        .output()
        .await
        .expect("run auth-mirror migrate");
    assert!(
        output.status.success(),
        "auth-mirror migrate failed: {}",
        describe(&output)
    );
}

#[tokio::test]
async fn prisma_schema_engine_finds_no_drift_between_the_model_and_the_migrated_database() {
    let database = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;
    auth_mirror_migrate(&database).await;

    node_test(
        &["test/drift.test.mjs", "test/support.test.mjs"],
        vec![("DRIFT_DATABASE_URL", url(&database))],
    )
    .await;
}

#[tokio::test]
async fn prisma_client_reads_the_mirror_and_keeps_settings_and_relations_through_auth_events() {
    let app = spawn_app().await;
    let secret = app.secrets.split('|').next().expect("a secret").to_owned();

    node_test(
        &["test/client.test.mjs"],
        vec![
            ("DATABASE_URL", url(&app.database)),
            ("APP_URL", app.address.clone()),
            ("WEBHOOK_SECRET", secret),
        ],
    )
    .await;
}

#[tokio::test]
async fn prisma_migrate_accepts_a_seed_recipe_table_that_auth_mirror_converted() {
    let database = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;

    node_test(
        &["test/seed-upgrade.test.mjs"],
        vec![
            ("SEED_DATABASE_URL", url(&database)),
            (
                "AUTH_MIRROR_BIN",
                env!("CARGO_BIN_EXE_auth-mirror").to_owned(),
            ),
        ],
    )
    .await;
}
