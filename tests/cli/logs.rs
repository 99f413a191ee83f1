//! The log a person reads (`LOG_FORMAT=pretty`, the default on a terminal): every line starts
//! with its level and its message, the context after; start-up says what the migrations did
//! and where the admin API and console are; a stop ends with the embedded database's.

use auth_mirror::store::migrate::known_versions;

use super::service::Service;
use super::{after_user_created, sandbox};

const TOKEN: &str = "logs-test-token-5e0b-9c27d41fa86b3e02";

/// The log: everything printed but the development secret's line (standard output).
fn log_lines(service: &Service) -> Vec<String> {
    service
        .printed_lines()
        .into_iter()
        .filter(|line| !line.starts_with("Development webhook secret"))
        .collect()
}

/// The one line starting with `prefix`.
fn line<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    let found: Vec<&String> = lines
        .iter()
        .filter(|line| line.starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "one {prefix:?} line in {lines:#?}");
    found[0]
}

#[tokio::test]
async fn pretty_lines_start_with_level_and_message_from_start_up_to_the_database_stop() {
    let dir = sandbox();
    let pretty = ("LOG_FORMAT", "pretty");
    let mut first = Service::start_with_env(dir.path(), &[pretty, ("ADMIN_TOKEN", TOKEN)]);
    let secret = first.development_secret().await;
    first.wait_until_ready().await;
    assert_eq!(first.deliver(&secret, &after_user_created()).await, 200);
    first.stop_in_place().await;
    let mut second = Service::start_with_env(dir.path(), &[pretty]);
    second.wait_until_ready().await;
    second.stop_in_place().await;

    let first_log = log_lines(&first);
    let second_log = log_lines(&second);
    for line in first_log.iter().chain(&second_log) {
        let level = ["ERROR ", "WARN  ", "INFO  "]
            .iter()
            .any(|level| line.starts_with(level));
        assert!(level, "not level first: {line:?}");
        assert!(!line.as_bytes()[6].is_ascii_whitespace(), "{line:?}");
        assert!(!line.contains('\x1b'), "colours in a pipe: {line:?}");
    }
    let versions = known_versions();
    let listed: Vec<String> = versions.iter().map(i64::to_string).collect();
    let latest = versions.iter().max().unwrap();
    line(
        &first_log,
        &format!(
            "INFO  migrations: applied {} ({}) ",
            versions.len(),
            listed.join(", ")
        ),
    );
    line(
        &second_log,
        &format!("INFO  migrations: up to date ({latest}) "),
    );
    let admin = format!(
        "INFO  admin API and console at http://127.0.0.1:{}/admin/ (sign in with ADMIN_TOKEN)",
        first.port()
    );
    line(&first_log, &admin);
    line(
        &second_log,
        "INFO  admin API and console disabled: ADMIN_TOKEN is unset",
    );
    // The message first, the request's context after it.
    let stored = line(&first_log, "INFO  delivery stored ");
    let position = |text: &str| {
        stored
            .find(text)
            .unwrap_or_else(|| panic!("{text:?} in {stored}"))
    };
    assert!(
        position("outcome=\"inserted\"") < position("http.route=/hooks/auth"),
        "{stored}"
    );
    for log in [&first_log, &second_log] {
        // The stop, in order: it begins, each background task stops, then the server, and
        // the embedded database last.
        let index = |start: &str| {
            let found = line(log, start);
            log.iter().position(|line| line == found).unwrap()
        };
        let begun = index("INFO  shutting down: not accepting connections");
        let stopped = index("INFO  HTTP server and background tasks stopped");
        let database = index("INFO  embedded PostgreSQL stopped folder=");
        assert!(begun < stopped, "{log:#?}");
        assert_eq!(
            (stopped, database),
            (log.len() - 2, log.len() - 1),
            "{log:#?}"
        );
    }
}

#[tokio::test]
async fn a_json_delivery_line_carries_the_lean_span_of_its_hook_and_no_span_list() {
    let dir = sandbox();
    let mut service = Service::start_with_env(dir.path(), &[("LOG_FORMAT", "json")]);
    let secret = service.development_secret().await;
    service.wait_until_ready().await;
    assert_eq!(service.deliver(&secret, &after_user_created()).await, 200);
    service.stop_in_place().await;

    let stored: Vec<serde_json::Value> = log_lines(&service)
        .iter()
        .filter(|line| line.contains("\"message\":\"delivery stored\""))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let line = &stored[0];
    assert_eq!(line["outcome"], "inserted", "{line}");
    assert!(line.get("spans").is_none(), "no span list: {line}");
    let mut span_fields: Vec<&str> = line["span"]
        .as_object()
        .unwrap_or_else(|| panic!("the request's span: {line}"))
        .keys()
        .map(String::as_str)
        .collect();
    span_fields.sort_unstable();
    assert_eq!(span_fields, ["http.method", "http.route", "name"], "{line}");
    assert_eq!(line["span"]["http.route"], "/hooks/auth", "{line}");
}
