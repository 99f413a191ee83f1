//! `sql/schema.sql`, the current SQL in one file: `auth-mirror db schema` on a freshly migrated
//! database prints exactly it, and what it prints is read from the database, not a copy.

use std::process::Stdio;
use std::time::Duration;

use auth_mirror::store::schema::REGENERATE;
use tokio::process::Command;

use crate::helpers::{Setup, TestDatabase};

const BINARY: &str = env!("CARGO_BIN_EXE_auth-mirror");
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/schema.sql");

/// `auth-mirror db schema <args>` with only `PATH` (and `DATABASE_URL`) set; its standard output.
async fn db_schema(database_url: Option<String>, args: &[&str]) -> String {
    let mut command = Command::new(BINARY);
    command
        .args(["db", "schema"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(database_url.map(|url| ("DATABASE_URL", url)))
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("db schema ends in time")
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Fails, showing where the two first differ and how to regenerate the file, unless
/// `printed` is the committed file.
fn assert_is_committed(printed: &str) {
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    if printed == committed {
        return;
    }
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (committed.lines().collect(), printed.lines().collect());
    let first = expected
        .iter()
        .zip(&actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let around = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(first.saturating_sub(3))
            .take(7)
            .map(|(n, line)| format!("{:>5} | {line}", n + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "sql/schema.sql is not what the migrations make: first difference at line {}.\n\
         sql/schema.sql ({} lines):\n{}\n\
         the migrations give ({} lines):\n{}\n\
         If the migrations are right, regenerate the file and review the change:\n    \
         {REGENERATE}\n    git diff sql/schema.sql",
        first + 1,
        expected.len(),
        around(&expected),
        actual.len(),
        around(&actual),
    );
}

#[tokio::test]
async fn the_committed_schema_is_what_the_migrations_make() {
    let database = TestDatabase::create(Setup::default()).await;

    let printed = db_schema(Some(database.url()), &[]).await;

    assert_is_committed(&printed);
}

#[tokio::test]
async fn the_regenerate_command_prints_the_committed_schema() {
    // `--fresh`: a throwaway server of its own, Supabase's auth schema, every migration.
    let printed = db_schema(None, &["--fresh"]).await;

    assert_is_committed(&printed);
}

#[tokio::test]
async fn the_schema_is_read_from_the_database_grants_included() {
    let database = TestDatabase::create(Setup::default()).await;
    let before = db_schema(Some(database.url()), &[]).await;
    sqlx::raw_sql(
        "grant execute on function auth_mirror.expunge_if_deleted(uuid) to authenticated; \
         create index events_kind_idx on auth_mirror.events (kind);",
    )
    .execute(&database.pool)
    .await
    .expect("change the database");

    let after = db_schema(Some(database.url()), &[]).await;

    assert!(
        !before.contains("to authenticated;") && !before.contains("events_kind_idx"),
        "{before}"
    );
    assert!(
        after.contains(
            "grant execute on function auth_mirror.expunge_if_deleted(uuid) to authenticated;"
        ),
        "{after}"
    );
    assert!(
        after.contains("CREATE INDEX events_kind_idx ON auth_mirror.events USING btree (kind);"),
        "{after}"
    );
}
