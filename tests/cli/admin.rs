//! `serve` with `ADMIN_TOKEN`, driven by `auth-mirror events`: each admin call writes one
//! audit line, and no log line carries the token, an email or a payload.

use super::service::Service;
use super::{auth_mirror, run, sandbox, UNREACHABLE_DATABASE};

const TOKEN: &str = "audit-test-token-7c1e-4b9d02f6a8e35c17";

#[tokio::test]
async fn admin_calls_are_audited_without_token_email_or_payload() {
    let dir = sandbox();
    let mut service = Service::start_with_env(dir.path(), &[("ADMIN_TOKEN", TOKEN)]);
    let secret = service.development_secret().await;
    service.wait_until_ready().await;
    let unparseable =
        br#"{"user":{"email":"ada@example.com","user_metadata":{"full_name":"Ada Lovelace"}"#;
    assert_eq!(service.deliver(&secret, unparseable).await, 200);
    assert_eq!(
        service.deliver(&secret, &super::after_user_created()).await,
        200
    );

    let url = service.url();
    let calls: [&[&str]; 6] = [
        &["list", "--status", "failed"],
        &["show", "1", "--payload"],
        &["replay", "1"],
        &["replay", "--status", "failed"],
        &["stats"],
        &["list", "--kind", "after-user-created", "--json"],
    ];
    for args in calls {
        let mut command = auth_mirror(dir.path(), &["events"]);
        command
            .args(args)
            .env("AUTH_MIRROR_URL", &url)
            .env("ADMIN_TOKEN", TOKEN);
        let output = run(command).await;
        // The unparseable event still fails when replayed: both replays say so and exit 1.
        let replay = args[0] == "replay";
        assert_eq!(
            output.status.success(),
            !replay,
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if replay {
            assert!(
                String::from_utf8_lossy(&output.stderr).contains("still failing"),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let mut wrong = auth_mirror(
        dir.path(),
        &["events", "stats", "--token", "wrong-token-5d2a"],
    );
    wrong.env("AUTH_MIRROR_URL", &url);
    assert!(!run(wrong).await.status.success());
    service.stop_in_place().await;

    let lines = service.printed_lines();
    let audit: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("\"target\":\"audit\""))
        .collect();
    let actions = [
        "events.list",
        "events.show",
        "events.replay",
        "events.replay_bulk",
        "stats",
    ];
    for action in actions {
        assert!(
            audit
                .iter()
                .any(|line| line.contains(&format!("\"action\":\"{action}\""))),
            "no audit line for {action}: {audit:#?}"
        );
    }
    // Six calls: one line each (the bulk replay of the CLI is a dry run plus one chunk), plus
    // the refused one.
    assert_eq!(audit.len(), 8, "{audit:#?}");
    assert!(
        audit
            .iter()
            .any(|line| line.contains("\"code\":\"unauthorized\"")),
        "{audit:#?}"
    );
    let bulk_filters = r#""filters":"{\"status\":\"failed\"}""#;
    assert!(
        audit.iter().any(|line| line.contains(bulk_filters)),
        "only the filters that are set: {audit:#?}"
    );
    for line in &lines {
        for forbidden in [TOKEN, "ada@example.com", "Ada Lovelace", "wrong-token-5d2a"] {
            assert!(!line.contains(forbidden), "{forbidden:?} in: {line}");
        }
    }
}

#[tokio::test]
async fn a_weak_admin_token_stops_start_up_without_echoing_it() {
    let weak = [
        (
            "short-admin-tok",
            "ADMIN_TOKEN must be at least 32 characters",
        ),
        (
            "qqqqqqqqqqqqqqqq",
            "ADMIN_TOKEN must be at least 32 characters",
        ),
        (
            "passwordpasswordpasswordpassword",
            "ADMIN_TOKEN is too easy to guess",
        ),
        (
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "ADMIN_TOKEN is too easy to guess",
        ),
    ];
    for (token, message) in weak {
        let dir = sandbox();
        let mut command = auth_mirror(dir.path(), &["serve"]);
        command
            .env("DATABASE_URL", UNREACHABLE_DATABASE)
            .env(
                "WEBHOOK_SECRETS",
                auth_mirror::webhook::WebhookSecrets::generate(),
            )
            .env("ADMIN_TOKEN", token);

        let output = run(command).await;

        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(!output.status.success(), "{printed}");
        assert!(printed.contains(message), "{token}: {printed}");
        assert!(!printed.contains(token), "the token was printed: {printed}");
        assert!(
            !printed.contains("cannot"),
            "refused before anything else: {printed}"
        );
    }
}

#[tokio::test]
async fn audit_lines_name_the_peer_unless_a_trusted_proxy_names_the_client() {
    let dir = sandbox();
    let mut service = Service::start_with_env(
        dir.path(),
        &[
            ("ADMIN_TOKEN", TOKEN),
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("CLIENT_ADDRESS_HEADER", "fly-client-ip"),
        ],
    );
    service.wait_until_ready().await;
    // 127.0.0.2 reaches the service over loopback too, but is not the trusted proxy.
    let from = |source: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(source))
            .build()
            .unwrap()
    };
    let call = |client: reqwest::Client, path: &str, token: &str| {
        client
            .get(format!("{}{path}", service.url()))
            .bearer_auth(token)
            .header("fly-client-ip", "203.0.113.9")
            .header("x-forwarded-for", "203.0.113.10")
            .header("forwarded", "for=203.0.113.11")
            .send()
    };

    let proxied = call(from([127, 0, 0, 1]), "/admin/stats", TOKEN)
        .await
        .unwrap();
    let direct = call(from([127, 0, 0, 2]), "/admin/trigger-errors", TOKEN)
        .await
        .unwrap();
    let refused = call(from([127, 0, 0, 2]), "/admin/stats", "wrong-token")
        .await
        .unwrap();
    let statuses = [proxied, direct, refused].map(|response| response.status().as_u16());
    assert_eq!(statuses, [200, 200, 401]);
    // On the embedded development database the console's cookie works over plain HTTP.
    let signed_in = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/admin/console/sign-in", service.url()))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
    service.stop_in_place().await;

    let lines = service.printed_lines();
    let audit_line = |needle: &str| -> serde_json::Value {
        let line = lines
            .iter()
            .find(|line| line.contains("\"target\":\"audit\"") && line.contains(needle))
            .unwrap_or_else(|| panic!("no audit line with {needle}: {lines:#?}"));
        serde_json::from_str(line).unwrap()
    };
    let client_ip = |line: serde_json::Value| line["span"]["http.client_ip"].clone();
    assert_eq!(client_ip(audit_line("\"action\":\"stats\"")), "203.0.113.9");
    assert_eq!(client_ip(audit_line("trigger_errors.list")), "127.0.0.2");
    assert_eq!(
        client_ip(audit_line("\"code\":\"unauthorized\"")),
        "127.0.0.2"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("cookies are not Secure (SECURE_COOKIES=false")),
        "the development opt-out is announced: {lines:#?}"
    );
}

#[tokio::test]
async fn a_reconcile_over_http_writes_one_audit_line_per_call_and_stops_with_the_service() {
    let dir = sandbox();
    let mut service = Service::start_with_env(dir.path(), &[("ADMIN_TOKEN", TOKEN)]);
    service.wait_until_ready().await;
    let client = reqwest::Client::new();
    let url = service.url();

    let started = client
        .post(format!("{url}/admin/reconcile"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"dry_run": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let mut calls = 1;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let run: serde_json::Value = client
            .get(format!("{url}{location}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        calls += 1;
        if run["state"] != "running" {
            assert_eq!(run["state"], "succeeded", "{run}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{run}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    service.stop_in_place().await;

    let lines = service.printed_lines();
    let audit: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("\"target\":\"audit\""))
        .collect();
    assert_eq!(audit.len(), calls, "{audit:#?}");
    let starts = audit
        .iter()
        .filter(|line| line.contains("\"action\":\"reconcile.start\""))
        .count();
    assert_eq!(starts, 1, "{audit:#?}");
    assert!(
        audit[0].contains("\"dry_run\":true"),
        "the options are audited: {audit:#?}"
    );
    assert!(lines.iter().all(|line| !line.contains(TOKEN)));
}
