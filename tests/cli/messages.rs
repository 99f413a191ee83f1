//! What the binary says: a start-up log with only what a user needs, each rejection once, and
//! error messages that name each cause once and say how to fix what the user can fix.

use sqlx::{Connection, Executor, PgConnection};

use super::cluster::{new_database, ClusterGuard};
use super::service::Service;
use super::{after_user_created, auth_mirror, run, sandbox, stderr, UNREACHABLE_DATABASE};

/// The messages of a default-level restart, in order.
const START_UP: [&str; 6] = [
    "embedded PostgreSQL ",
    "migrations: up to date (",
    "auth.users trigger installed",
    "development webhook secret",
    "auth-mirror is listening",
    "admin API and console disabled: ADMIN_TOKEN is unset",
];

/// The error of a failed command: its one `ERROR` log line's message (standard error is not a
/// terminal here, so logs are JSON, the error included).
fn error_line(output: &std::process::Output) -> String {
    let text = stderr(output);
    let errors: Vec<String> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
        .filter(|event| event["level"] == "ERROR")
        .map(|event| event["message"].as_str().expect("a message").to_owned())
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {text}");
    errors[0].clone()
}

#[tokio::test]
async fn a_restart_logs_only_what_a_user_needs_and_a_rejection_once() {
    let dir = sandbox();
    let mut first = Service::start(dir.path());
    let _guard =
        ClusterGuard::from_event(&first.log_event("embedded PostgreSQL").await, dir.path());
    first.wait_until_ready().await;
    first.stop().await;

    // The second start re-runs every idempotent step: where PostgreSQL says NOTICE.
    let mut service = Service::start(dir.path());
    let secret = service.development_secret().await;
    service.log_event("admin API and console").await;
    service.wait_until_ready().await;
    let start_up = service.printed_lines();
    let wrong_secret = auth_mirror::webhook::WebhookSecrets::generate();
    let rejected = service.deliver(&wrong_secret, &after_user_created()).await;
    assert_eq!(service.deliver(&secret, &after_user_created()).await, 200);
    service.stop_in_place().await;

    let messages: Vec<String> = start_up
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|event| event["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(messages.len(), START_UP.len(), "{messages:#?}");
    for (message, expected) in messages.iter().zip(START_UP) {
        assert!(message.starts_with(expected), "{expected:?}: {messages:#?}");
    }
    assert_eq!(rejected, 401);
    let lines = service.printed_lines();
    let about_rejection: Vec<&String> = lines
        .iter()
        .filter(|line| {
            line.contains("rejected") || line.contains("invalid") || line.contains("Error")
        })
        .collect();
    assert_eq!(about_rejection.len(), 1, "{about_rejection:#?}");

    // The NOTICEs hidden above are still there for whoever debugs.
    let mut debugging = Service::start_with_env(dir.path(), &[("RUST_LOG", "debug")]);
    let notice = debugging
        .log_event("role \"authenticator\" is already a member")
        .await;
    // Stopped once serving: SIGTERM during start-up is not this test's subject.
    debugging.log_event("auth-mirror is listening").await;
    debugging.stop().await;
    assert_eq!(notice["target"], "sqlx::postgres::notice");
}

#[tokio::test]
async fn an_unreachable_database_is_named_once_in_the_error() {
    let dir = sandbox();
    let mut command = auth_mirror(dir.path(), &["migrate"]);
    command.env("DATABASE_URL", UNREACHABLE_DATABASE);

    let output = run(command).await;

    assert!(!output.status.success());
    let line = error_line(&output);
    assert_eq!(line.matches("refused").count(), 1, "{line}");
    assert!(line.contains("cannot apply migrations"), "{line}");
    assert!(
        line.contains("check that DATABASE_URL"),
        "says what to check: {line}"
    );
}

#[tokio::test]
async fn a_seed_table_with_an_id_that_is_not_a_uuid_fails_migrate_saying_how_to_fix_it() {
    let url = new_database("seed_recipe").await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    connection
        .execute(
            "create table public.users (id text primary key, email text not null unique, \
             settings jsonb, created_at timestamp(3) not null default now(), \
             updated_at timestamp(3) not null); \
             insert into public.users (id, email, updated_at) values ('user-1', 'ada@example.com', now())",
        )
        .await
        .unwrap();
    let dir = sandbox();
    let mut command = auth_mirror(dir.path(), &["migrate"]);
    command.env("DATABASE_URL", url);

    let output = run(command).await;

    assert!(!output.status.success());
    let line = error_line(&output);
    assert_eq!(line.matches("not a uuid").count(), 1, "{line}");
    assert!(line.contains("Hint: Fix or delete those rows"), "{line}");
    assert!(line.len() < 400, "{} characters: {line}", line.len());
    assert!(!line.contains("ada@example.com"), "{line}");
}

#[tokio::test]
async fn a_delivery_the_database_cannot_take_is_spooled_and_logged_once_with_its_cause() {
    let dir = sandbox();
    let secret = auth_mirror::webhook::WebhookSecrets::generate();
    let mut service = Service::start_with_env(
        dir.path(),
        &[
            ("DATABASE_URL", UNREACHABLE_DATABASE),
            ("WEBHOOK_SECRETS", &secret),
            ("SKIP_MIGRATIONS", "true"),
        ],
    );
    service.log_event("auth-mirror is listening").await;

    let status = service.deliver(&secret, &after_user_created()).await;
    service.stop_in_place().await;

    assert_eq!(status, 200);
    let lines = service.printed_lines();
    let about_it: Vec<&String> = lines
        .iter()
        .filter(|line| {
            ["rejected", "not stored", "spooled", "delivery stored"]
                .iter()
                .any(|word| line.contains(word))
        })
        .collect();
    assert_eq!(about_it.len(), 1, "{about_it:#?}");
    assert!(about_it[0].contains("delivery spooled"), "{}", about_it[0]);
    assert!(
        about_it[0].contains("pool timed out") || about_it[0].contains("deadline"),
        "the cause: {}",
        about_it[0]
    );
}
