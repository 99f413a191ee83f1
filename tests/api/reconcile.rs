//! `auth-mirror reconcile`, run as the real binary against a test database, checked in SQL.

mod admin_api_listing;
mod admin_api_resume;
mod drift;
mod first_run;
mod gotrue;
mod refusals;

use std::process::{Output, Stdio};
use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::TestDatabase;

const BINARY: &str = env!("CARGO_BIN_EXE_auth-mirror");

const T1: &str = "2024-05-01T10:00:00.123456Z";
const T2: &str = "2024-05-01T11:30:00.654321Z";

/// The URL of `db` for `role` (the test server trusts loopback connections).
fn database_url(db: &TestDatabase, role: &str) -> String {
    let options = db.pool.connect_options();
    format!(
        "postgres://{role}@{}:{}/{}",
        options.get_host(),
        options.get_port(),
        db.name
    )
}

/// `auth-mirror <args>` with only `PATH`, `DATABASE_URL` and `extra` in its environment;
/// standard input closed, so standard error is not a terminal (plain progress lines).
async fn auth_mirror(url: &str, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("auth-mirror ends within 60 s")
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `auth-mirror reconcile <args>`, expects success, returns its report line.
async fn reconcile_ok(url: &str, args: &[&str]) -> String {
    let mut all = vec!["reconcile"];
    all.extend_from_slice(args);
    let output = auth_mirror(url, &all, &[]).await;
    assert!(
        output.status.success(),
        "reconcile failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output).trim_end().to_owned()
}

/// Every row of `public.users`, every column (row timestamps too), as text, in id order:
/// what "nothing changed" compares.
async fn mirror_snapshot(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("select to_jsonb(u)::text from public.users u order by id")
        .fetch_all(pool)
        .await
        .expect("read public.users")
}

/// Supabase Auth's soft delete of `id` at `at`, with every trigger of this session off
/// (as if the mirror trigger had not existed).
pub fn soft_delete_unmirrored(id: Uuid, at: &str) -> String {
    format!(
        "set local session_replication_role = replica;
         update auth.users set email = encode(sha256(convert_to(email, 'UTF8')), 'hex'),
                raw_user_meta_data = '{{}}', raw_app_meta_data = '{{}}',
                deleted_at = '{at}', updated_at = '{at}'
          where id = '{id}';"
    )
}

pub async fn in_transaction(pool: &PgPool, statements: &str) {
    let mut transaction = pool.begin().await.expect("begin");
    sqlx::raw_sql(statements)
        .execute(&mut *transaction)
        .await
        .expect("statements");
    transaction.commit().await.expect("commit");
}
