//! Console sessions held by the database: sign-out ends one for good, on every instance and
//! after a restart, an idle one ends by itself, and the sign-in form is throttled like the
//! bearer token.

use std::time::Duration;

use auth_mirror::throttle::{Budget, ThrottleConfig};
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER};

use super::http::{client, csrf_of, get, pair, sign_in};
use super::setup::{deliver_signup, events, sabotage};
use crate::helpers::{spawn_admin_app, spawn_admin_app_adjusted, AdminSetup, TestApp, ADMIN_TOKEN};

/// `GET /admin/` on the instance at `base` with `cookie`: 200 signed in, 303 to sign-in not.
async fn overview(base: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{base}/admin/"))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("overview")
}

async fn is_signed_out(response: reqwest::Response) -> bool {
    response.status() == 303 && response.headers()[LOCATION] == "/admin/console/sign-in"
}

async fn sessions_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from auth_mirror.admin_sessions")
        .fetch_one(&app.database.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_out_ends_the_session_on_every_instance_and_after_a_restart() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = events(&app).await[0].0;
    let other = app.another_instance();
    let cookie = pair(&sign_in(&app, &[]).await);
    let page = get(&app, &format!("/admin/console/events/{id}"), &cookie).await;
    let csrf = csrf_of(&page.text().await.unwrap());
    assert_eq!(overview(&other, &cookie).await.status(), 200, "shared");
    assert_eq!(sessions_stored(&app).await, 1);

    let signed_out = client()
        .post(format!("{}/admin/console/sign-out", app.address))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    let restarted = app.another_instance();

    for instance in [&app.address, &other, &restarted] {
        assert!(
            is_signed_out(overview(instance, &cookie).await).await,
            "{instance}"
        );
    }
    let replay = client()
        .post(format!("{other}/admin/console/events/{id}/replay"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(is_signed_out(replay).await);
    assert_eq!(events(&app).await[0], (id, "failed".into(), 1, None, false));
    assert_eq!(sessions_stored(&app).await, 0);
}

#[tokio::test]
async fn an_idle_session_ends_while_one_in_use_lives_on() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let idle = pair(&sign_in(&app, &[]).await);
    let busy = pair(&sign_in(&app, &[]).await);
    // The default idle timeout is 30 minutes: one session unused for 31, one for 29.
    for (cookie, minutes) in [(&idle, 31), (&busy, 29)] {
        assert_eq!(overview(&app.address, cookie).await.status(), 200);
        sqlx::query(
            "update auth_mirror.admin_sessions set last_seen_at = now() - make_interval(mins => $1) \
             where last_seen_at = (select max(last_seen_at) from auth_mirror.admin_sessions)",
        )
        .bind(minutes)
        .execute(&app.database.pool)
        .await
        .unwrap();
    }

    assert!(is_signed_out(overview(&app.address, &idle).await).await);
    assert_eq!(overview(&app.address, &busy).await.status(), 200);
    let just_used: bool = sqlx::query_scalar(
        "select bool_or(last_seen_at > now() - interval '1 minute') from auth_mirror.admin_sessions",
    )
    .fetch_one(&app.database.pool)
    .await
    .unwrap();
    assert!(just_used, "a request moves the idle clock");
    // The next sign-in sweeps the idle session away.
    sign_in(&app, &[]).await;
    assert_eq!(sessions_stored(&app).await, 2);
}

#[tokio::test]
async fn wrong_tokens_in_the_sign_in_form_are_throttled_with_retry_after() {
    let app = spawn_admin_app_adjusted(AdminSetup::default(), |config| {
        let budget = Budget {
            burst: 2,
            refill_every: Duration::from_secs(1),
        };
        config.security.throttle = ThrottleConfig {
            per_address: budget,
            ..ThrottleConfig::default()
        };
    })
    .await;
    let attempt = |token: &'static str| {
        client()
            .post(format!("{}/admin/console/sign-in", app.address))
            .form(&[("token", token)])
            .send()
    };

    for _ in 0..2 {
        assert_eq!(attempt("not-the-token").await.unwrap().status(), 401);
    }
    let throttled = attempt(ADMIN_TOKEN).await.unwrap();

    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()[RETRY_AFTER], "1");
    assert!(throttled.headers().get("set-cookie").is_none());
    let page = throttled.text().await.unwrap();
    assert!(
        page.contains("Too many wrong tokens lately. Try again in 1 s."),
        "{page}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(attempt(ADMIN_TOKEN).await.unwrap().status(), 303);
    let metrics = app.metrics().await;
    let series = "auth_mirror_admin_auth_refusals_total{via=\"sign_in\",reason=\"throttled\"} 1\n";
    assert!(metrics.contains(series), "{metrics}");
}
