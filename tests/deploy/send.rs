//! `auth-mirror send` against a running instance: applied (or a documented no-op) means exit 0
//! and a stored event; anything else, a failed apply included, exits non-zero and says why.

use crate::cli::process::{auth_mirror, run, sandbox, stderr, stdout};
use crate::cli::service::Service;
use crate::deploy::running::Running;

/// `auth-mirror send <args>` with `WEBHOOK_SECRETS` set to `secret`.
async fn send(running: &Running, secret: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["send"];
    all.extend_from_slice(args);
    let mut command = auth_mirror(running.dir.path(), &all);
    command.env("WEBHOOK_SECRETS", secret);
    run(command).await
}

/// Stored events of `user_id` as (source, kind, status), oldest first.
async fn events(running: &Running, user_id: uuid::Uuid) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "select source, kind, status from auth_mirror.events where user_id = $1 order by id",
    )
    .bind(user_id)
    .fetch_all(&running.database.pool)
    .await
    .expect("read events")
}

/// (email, deleted) of the mirror row of `user_id`.
async fn mirror(running: &Running, user_id: uuid::Uuid) -> Option<(Option<String>, bool)> {
    sqlx::query_as("select email, deleted_at is not null from public.users where id = $1")
        .bind(user_id)
        .fetch_optional(&running.database.pool)
        .await
        .expect("read public.users")
}

#[tokio::test]
async fn send_to_a_bare_origin_posts_after_user_created_and_the_user_is_mirrored() {
    let running = Running::start(&[]).await;
    let user = uuid::Uuid::new_v4();

    let output = send(
        &running,
        &running.secret,
        &[&running.origin(), "--user-id", &user.to_string()],
    )
    .await;

    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let printed = stdout(&output);
    assert!(
        printed.contains(&format!("{}/hooks/auth", running.origin())),
        "{printed}"
    );
    assert!(printed.contains("200 OK {}"), "{printed}");
    assert!(
        printed.contains("applied: public.users has the event's state"),
        "{printed}"
    );
    assert_eq!(
        events(&running, user).await,
        [(
            "auth_hook".into(),
            "after-user-created".into(),
            "applied".into()
        )]
    );
    let expected_email = format!(
        "auth-mirror-send+{}@example.com",
        &user.simple().to_string()[..8]
    );
    assert_eq!(
        mirror(&running, user).await,
        Some((Some(expected_email), false))
    );
}

#[tokio::test]
async fn each_kind_goes_to_its_endpoint_and_is_accepted() {
    let running = Running::start(&[]).await;
    let user = uuid::Uuid::new_v4();
    let id = user.to_string();
    let url = running.origin();

    for kind in ["db-insert", "db-update", "db-delete"] {
        let output = send(
            &running,
            &running.secret,
            &["--url", &url, "--kind", kind, "--user-id", &id],
        )
        .await;
        assert!(
            output.status.success(),
            "{kind}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        assert!(
            stdout(&output).contains("/hooks/db"),
            "{kind}: {}",
            stdout(&output)
        );
    }
    let before = uuid::Uuid::new_v4();
    let output = send(
        &running,
        &running.secret,
        &[
            &url,
            "--kind",
            "before-user-created",
            "--user-id",
            &before.to_string(),
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("allowed: "), "{}", stdout(&output));

    let db = |kind: &str| {
        (
            "db_webhook".to_owned(),
            kind.to_owned(),
            "applied".to_owned(),
        )
    };
    assert_eq!(
        events(&running, user).await,
        [db("INSERT"), db("UPDATE"), db("DELETE")]
    );
    // The delete left a tombstone without personal data.
    assert_eq!(mirror(&running, user).await, Some((None, true)));
    // before-user-created is recorded and allowed; the user does not exist yet.
    assert_eq!(
        events(&running, before).await,
        [(
            "auth_hook".into(),
            "before-user-created".into(),
            "ignored".into()
        )]
    );
    assert_eq!(mirror(&running, before).await, None);
}

#[tokio::test]
async fn send_exits_non_zero_unless_accepted_and_shows_the_answer() {
    let running = Running::start(&[]).await;
    let other_secret = auth_mirror::webhook::WebhookSecrets::generate();

    let unsigned = send(&running, &other_secret, &[&running.origin()]).await;
    let nowhere = send(
        &running,
        &running.secret,
        &[&format!("{}/nope", running.origin())],
    )
    .await;
    let flag = send(
        &running,
        "v1,whsec_notbase64!",
        &[&running.origin(), "--secret", &other_secret],
    )
    .await;

    assert!(!unsigned.status.success());
    assert!(
        stdout(&unsigned).contains("401 Unauthorized"),
        "{}",
        stdout(&unsigned)
    );
    assert!(
        stdout(&unsigned).contains("invalid_signature"),
        "{}",
        stdout(&unsigned)
    );
    assert!(
        stderr(&unsigned).contains("WEBHOOK_SECRETS"),
        "{}",
        stderr(&unsigned)
    );
    assert!(!nowhere.status.success());
    assert!(
        stdout(&nowhere).contains("404 Not Found"),
        "{}",
        stdout(&nowhere)
    );
    // --secret wins over WEBHOOK_SECRETS.
    assert!(!flag.status.success());
    assert!(
        stdout(&flag).contains("401 Unauthorized"),
        "{}{}",
        stdout(&flag),
        stderr(&flag)
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from auth_mirror.events")
        .fetch_one(&running.database.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn send_says_failed_with_the_reason_and_exits_non_zero_when_the_apply_fails() {
    let running = Running::start(&[]).await;
    sqlx::query(
        "alter table public.users add constraint no_example_emails \
         check (email not like '%@example.com') not valid",
    )
    .execute(&running.database.pool)
    .await
    .unwrap();
    let user = uuid::Uuid::new_v4();

    let output = send(
        &running,
        &running.secret,
        &[&running.origin(), "--user-id", &user.to_string()],
    )
    .await;

    assert!(!output.status.success(), "{}", stdout(&output));
    // Supabase would see success (the event is stored); the sender is told the truth.
    assert!(stdout(&output).contains("200 OK {}"), "{}", stdout(&output));
    assert!(!stdout(&output).contains("applied"), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("the event was not applied: failed"),
        "{message}"
    );
    assert!(
        message.contains("database error 23514 (constraint no_example_emails)"),
        "{message}"
    );
    assert!(message.contains("events replay"), "{message}");
    assert_eq!(
        events(&running, user).await,
        [(
            "auth_hook".into(),
            "after-user-created".into(),
            "failed".into()
        )]
    );
}

#[tokio::test]
async fn send_says_spooled_and_exits_non_zero_when_the_database_cannot_take_the_event() {
    let secret = auth_mirror::webhook::WebhookSecrets::generate();
    let dir = sandbox();
    // A server nothing listens on: every delivery goes to the spool.
    let mut service = Service::start_with_env(
        dir.path(),
        &[
            ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/x"),
            ("WEBHOOK_SECRETS", &secret),
            ("SKIP_MIGRATIONS", "true"),
            ("DELIVERY_DEADLINE_MS", "200"),
        ],
    );
    service.wait_until_ok("/healthz").await;
    let mut command = auth_mirror(dir.path(), &["send", &service.url()]);
    command.env("WEBHOOK_SECRETS", &secret);

    let output = run(command).await;

    assert!(!output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("200 OK {}"), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("the event was not applied: spooled"),
        "{message}"
    );
    service.stop().await;
}
