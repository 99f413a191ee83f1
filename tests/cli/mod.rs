//! The `auth-mirror` binary as a process: `secret new`, start-up refusals on bad configuration,
//! the development secret of the embedded database, its log lines, and the README's steps
//! (the five-minute tour, the db-webhook install) run as written. Each run gets an empty
//! environment (but `PATH`), a temporary folder as working and data folder, and a time limit. Beside
//! them, `architecture`: the layers of the source the binary is built from.

// process.rs and service.rs serve tests/deploy too.
mod admin;
mod architecture;
mod cluster;
mod lifecycle;
mod logs;
mod messages;
pub(crate) mod process;
mod readme;
pub(crate) mod service;
mod tour;

use auth_mirror::webhook::WebhookSecrets;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use process::{auth_mirror, run, sandbox, stderr, QUICK};
use service::Service;

/// A server nothing listens on: any connection attempt fails at once.
const UNREACHABLE_DATABASE: &str = "postgres://nobody@127.0.0.1:1/x";

#[tokio::test]
async fn secret_new_prints_one_fresh_secret_in_supabase_format() {
    let dir = sandbox();

    let first = run(auth_mirror(dir.path(), &["secret", "new"])).await;
    let second = run(auth_mirror(dir.path(), &["secret", "new"])).await;

    let mut secrets = Vec::new();
    for output in [&first, &second] {
        assert!(output.status.success(), "{}", stderr(output));
        let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stdout:?}");
        let secret = lines[0];
        let encoded = secret.strip_prefix("v1,whsec_").expect("v1,whsec_ prefix");
        assert_eq!(STANDARD.decode(encoded).expect("base64").len(), 32);
        assert_eq!(WebhookSecrets::parse(secret).expect("parses").len(), 1);
        secrets.push(secret.to_owned());
    }
    assert_ne!(secrets[0], secrets[1]);
}

#[tokio::test]
async fn serve_on_a_database_url_without_webhook_secrets_refuses_to_start() {
    let dir = sandbox();
    let mut command = auth_mirror(dir.path(), &["serve"]);
    command.env("DATABASE_URL", UNREACHABLE_DATABASE);

    let output = run(command).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("WEBHOOK_SECRETS"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn an_invalid_setting_stops_start_up_naming_the_variable() {
    let valid_secret = WebhookSecrets::generate();
    let cases = [
        ("PORT", "notaport"),
        ("WEBHOOK_TOLERANCE_SECONDS", "-5"),
        ("MAX_BODY_BYTES", "lots"),
        ("BODY_READ_TIMEOUT_MS", "0"),
        ("MAX_CONNECTIONS", "0"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "0"),
        ("DATABASE_URL", "not a url"),
        ("RETRY_SCHEDULE", "5s,soon"),
        ("RETRY_SCHEDULE", ""),
        ("EVENT_RETENTION", "forever"),
        ("EVENT_RETENTION", "1s"),
        ("ADMIN_TOKEN", ""),
        ("METRICS_PORT", "8080"),
        ("METRICS_PORT", "on"),
        ("TRUSTED_PROXIES", "fly-proxy"),
        ("CLIENT_ADDRESS_HEADER", "client ip"),
        ("SECURE_COOKIES", "sometimes"),
        ("ADMIN_SESSION_IDLE_TIMEOUT", "1d"),
    ];

    for (variable, value) in cases {
        let dir = sandbox();
        let mut command = auth_mirror(dir.path(), &["serve"]);
        command
            .env("DATABASE_URL", UNREACHABLE_DATABASE)
            .env("WEBHOOK_SECRETS", &valid_secret)
            .env(variable, value);

        let output = run(command).await;

        let message = stderr(&output);
        assert!(!output.status.success(), "{variable}={value}: {message}");
        assert!(message.contains(variable), "{variable}={value}: {message}");
        assert!(
            !message.contains("cannot apply migrations"),
            "{variable}={value} was not refused up front: {message}"
        );
    }
}

#[tokio::test]
async fn a_too_short_webhook_secret_stops_start_up_without_echoing_it() {
    let dir = sandbox();
    let short = "v1,whsec_c2hvcnQ=";
    let mut command = auth_mirror(dir.path(), &["serve"]);
    command
        .env("DATABASE_URL", UNREACHABLE_DATABASE)
        .env("WEBHOOK_SECRETS", short);

    let output = run(command).await;

    let message = stderr(&output);
    assert!(!output.status.success(), "{message}");
    assert!(message.contains("WEBHOOK_SECRETS"), "{message}");
    let printed = format!("{message}{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        !printed.contains("c2hvcnQ"),
        "the secret was printed: {printed}"
    );
}

#[tokio::test]
async fn the_embedded_database_gets_a_development_secret_kept_across_restarts() {
    let dir = sandbox();
    let hook = after_user_created();

    let mut first = Service::start(dir.path());
    let secret = first.development_secret().await;
    first.wait_until_ready().await;
    let delivered = first.deliver(&secret, &hook).await;
    assert_eq!(delivered, 200, "{}", first.output());
    first.stop().await;

    let mut second = Service::start(dir.path());
    assert_eq!(second.development_secret().await, secret);
    second.wait_until_ready().await;
    // The same invocation again (new webhook-id, as on Supabase's retries): the event stored
    // by the first run is still there, so this one is a duplicate.
    assert_eq!(second.deliver(&secret, &hook).await, 200);
    let metrics = second.metrics().await;
    assert_eq!(
        second.get("/metrics").await.status(),
        404,
        "not on the public port"
    );
    assert!(
        metrics.contains(
            "auth_mirror_deliveries_total{source=\"auth_hook\",outcome=\"duplicate\"} 1\n"
        ),
        "{metrics}"
    );
    second.stop().await;
}

#[tokio::test]
async fn log_lines_carry_no_secret_signature_email_or_body() {
    let dir = sandbox();
    let hook = after_user_created();
    let unparseable = br#"{"user":{"email":"ada@example.com""#;
    let wrong_secret = auth_mirror::webhook::WebhookSecrets::generate();
    let mut service = Service::start_with_env(dir.path(), &[("RUST_LOG", "debug")]);
    let secret = service.development_secret().await;
    service.wait_until_ready().await;

    let (accepted, good_signature) = service.deliver_signed(&secret, &hook).await;
    let (rejected, bad_signature) = service.deliver_signed(&wrong_secret, &hook).await;
    let (stored, unparsed_signature) = service.deliver_signed(&secret, unparseable).await;
    service.stop_in_place().await;

    assert_eq!((accepted, rejected, stored), (200, 401, 200));
    let key_text = |secret: &str| secret.trim_start_matches("v1,whsec_").to_owned();
    let forbidden = [
        "ada@example.com".to_owned(),
        "Ada Lovelace".to_owned(),
        key_text(&wrong_secret),
        mac(&good_signature),
        mac(&bad_signature),
        mac(&unparsed_signature),
    ];
    let lines = service.printed_lines();
    assert!(lines.iter().any(|line| line.contains("delivery rejected")));
    for line in lines
        .iter()
        .filter(|line| !line.starts_with("Development webhook secret"))
    {
        assert!(!line.contains(&key_text(&secret)), "secret in: {line}");
        for text in &forbidden {
            assert!(!line.contains(text.as_str()), "{text:?} in: {line}");
        }
    }
}

/// The base64 MAC of a `v1,<mac>` signature.
fn mac(signature: &str) -> String {
    signature.trim_start_matches("v1,").to_owned()
}

/// An `after-user-created` Auth Hook body.
fn after_user_created() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "metadata": {
            "uuid": uuid::Uuid::new_v4(),
            "time": "2024-05-01T10:00:01Z",
            "name": "after-user-created",
            "ip_address": "127.0.0.1"
        },
        "user": {
            "id": uuid::Uuid::new_v4(),
            "aud": "authenticated",
            "role": "",
            "email": "ada@example.com",
            "phone": "",
            "app_metadata": { "provider": "email", "providers": ["email"] },
            "user_metadata": { "full_name": "Ada Lovelace" },
            "identities": [],
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
            "is_anonymous": false
        }
    }))
    .unwrap()
}
