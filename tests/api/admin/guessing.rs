//! Guessing the admin token: wrong bearer tokens are throttled per client address and
//! overall (`429` with `Retry-After`, the token not even looked at), the right token works
//! again as soon as `Retry-After` has passed, and the client's address is the one a trusted
//! proxy names, never one a client claims for itself.

use std::time::Duration;

use auth_mirror::config::AppConfig;
use auth_mirror::throttle::{Budget, ThrottleConfig};
use reqwest::header::{CACHE_CONTROL, RETRY_AFTER};

use crate::helpers::{spawn_admin_app_adjusted, AdminSetup, TestApp, ADMIN_TOKEN};

const SECOND: Duration = Duration::from_secs(1);

/// Budgets no test of other behaviour runs into.
pub fn unthrottled(config: &mut AppConfig) {
    let plenty = Budget {
        burst: 100_000,
        refill_every: Duration::from_millis(1),
    };
    config.security.throttle = ThrottleConfig {
        per_address: plenty,
        overall: plenty,
        ..ThrottleConfig::default()
    };
}

/// `per_address` failures from one address and `overall` from all, each refilling in 1 s.
fn budgets(per_address: u32, overall: u32) -> impl FnOnce(&mut AppConfig) {
    move |config: &mut AppConfig| {
        config.security.throttle = ThrottleConfig {
            per_address: Budget {
                burst: per_address,
                refill_every: SECOND,
            },
            overall: Budget {
                burst: overall,
                refill_every: SECOND,
            },
            ..ThrottleConfig::default()
        }
    }
}

/// `budgets`, behind Fly's proxy as the tests play it: the loopback peer is trusted to name
/// the client in `Fly-Client-IP`.
fn behind_fly(per_address: u32, overall: u32) -> impl FnOnce(&mut AppConfig) {
    move |config: &mut AppConfig| {
        budgets(per_address, overall)(config);
        let addresses = &mut config.security.client_addresses;
        addresses.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        addresses.header = "fly-client-ip".to_owned();
    }
}

/// `GET /admin/stats` with `token`, claiming to come from `client` in `Fly-Client-IP`.
async fn stats(app: &TestApp, token: &str, client: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/admin/stats", app.address))
        .bearer_auth(token)
        .header("fly-client-ip", client)
        .send()
        .await
        .expect("admin request")
}

const WRONG: &str = "wrong-token-0c3f55e1d2b94a7e8f60a1b2c3d4e5f6";

#[tokio::test]
async fn wrong_tokens_are_throttled_per_address_and_the_right_token_works_after_retry_after() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), budgets(3, 1_000)).await;

    for _ in 0..3 {
        assert_eq!(stats(&app, WRONG, "").await.status(), 401);
    }
    let throttled = stats(&app, WRONG, "").await;
    let right_but_throttled = stats(&app, ADMIN_TOKEN, "").await;

    for response in [throttled, right_but_throttled] {
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[RETRY_AFTER], "1");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");
    }
    tokio::time::sleep(SECOND).await;
    assert_eq!(stats(&app, ADMIN_TOKEN, "").await.status(), 200);
    let metrics = app.metrics().await;
    for (reason, count) in [("wrong_token", 3), ("throttled", 2)] {
        let series = format!(
            "auth_mirror_admin_auth_refusals_total{{via=\"bearer\",reason=\"{reason}\"}} {count}\n"
        );
        assert!(metrics.contains(&series), "{series} in:\n{metrics}");
    }
}

#[tokio::test]
async fn a_client_cannot_escape_its_budget_by_claiming_other_addresses() {
    // No trusted proxy (the default): a forwarded header is anyone's claim, and ignored.
    let app = spawn_admin_app_adjusted(AdminSetup::default(), budgets(2, 1_000)).await;

    for n in 0..2 {
        let claimed = format!("203.0.113.{n}");
        assert_eq!(stats(&app, WRONG, &claimed).await.status(), 401);
    }
    let response = app
        .client
        .get(format!("{}/admin/stats", app.address))
        .bearer_auth(WRONG)
        .header("fly-client-ip", "203.0.113.77")
        .header("x-forwarded-for", "203.0.113.78")
        .header("forwarded", "for=203.0.113.79")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_budget() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), behind_fly(2, 1_000)).await;

    for _ in 0..2 {
        assert_eq!(stats(&app, WRONG, "203.0.113.1").await.status(), 401);
    }

    assert_eq!(stats(&app, WRONG, "203.0.113.1").await.status(), 429);
    assert_eq!(stats(&app, WRONG, "203.0.113.2").await.status(), 401);
    assert_eq!(stats(&app, ADMIN_TOKEN, "198.51.100.9").await.status(), 200);
}

#[tokio::test]
async fn guessing_from_many_addresses_meets_the_overall_budget_but_spares_a_known_operator() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), behind_fly(1_000, 5)).await;
    let operator = "198.51.100.9";
    assert_eq!(stats(&app, ADMIN_TOKEN, operator).await.status(), 200);

    for n in 0..5 {
        let guesser = format!("203.0.113.{n}");
        assert_eq!(stats(&app, WRONG, &guesser).await.status(), 401);
    }

    let newcomer = stats(&app, ADMIN_TOKEN, "192.0.2.50").await;
    assert_eq!(newcomer.status(), 429);
    assert_eq!(newcomer.headers()[RETRY_AFTER], "1");
    assert_eq!(stats(&app, ADMIN_TOKEN, operator).await.status(), 200);
    assert_eq!(stats(&app, WRONG, "203.0.113.99").await.status(), 429);
    tokio::time::sleep(SECOND).await;
    assert_eq!(stats(&app, ADMIN_TOKEN, "192.0.2.50").await.status(), 200);
}

#[tokio::test]
async fn a_request_without_a_bearer_token_spends_nothing() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), budgets(1, 1)).await;

    for _ in 0..5 {
        let response = app
            .client
            .get(format!("{}/admin/stats", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }

    assert_eq!(stats(&app, ADMIN_TOKEN, "").await.status(), 200);
}
