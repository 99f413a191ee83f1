//! The console's session and CSRF rules through plain HTTP: the cookie's attributes, a
//! forged or tampered cookie, a form without its CSRF token, and the JSON API's bearer.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use super::http::{client, get, pair, sign_in};
use super::setup::{deliver_signup, events, sabotage};
use auth_mirror::config::CookiePolicy;

use crate::helpers::{spawn_admin_app, spawn_admin_app_adjusted, AdminSetup, ADMIN_TOKEN};

#[tokio::test]
async fn the_session_cookie_is_secure_http_only_strict_bounded_and_holds_no_token() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    // Secure whatever the request says about its scheme: a proxy that terminates TLS without
    // saying so (nginx's default) still gets a Secure cookie.
    let local = sign_in(&app, &[]).await;
    let proxied = sign_in(&app, &[("x-forwarded-proto", "https")]).await;
    let wrong = client()
        .post(format!("{}/admin/console/sign-in", app.address))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();

    assert!(local.starts_with("auth_mirror_console=v1."), "{local}");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=28800",
        "Secure",
    ] {
        assert!(local.contains(attribute), "{attribute} missing: {local}");
        assert!(
            proxied.contains(attribute),
            "{attribute} missing: {proxied}"
        );
    }
    assert!(!local.contains(ADMIN_TOKEN));
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn only_the_development_opt_out_drops_secure() {
    let development = spawn_admin_app_adjusted(AdminSetup::default(), |config| {
        config.security.cookies = CookiePolicy::InsecureForDevelopment;
    })
    .await;

    let cookie = sign_in(&development, &[]).await;

    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
}

#[tokio::test]
async fn a_forged_or_tampered_cookie_is_sent_to_sign_in() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let real = pair(&sign_in(&app, &[]).await);
    let (body, _signature) = real.rsplit_once('.').unwrap();
    let forged = format!("{body}.{}", "0".repeat(64));
    let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
    parts[1] = (parts[1].parse::<i64>().unwrap() + 86_400).to_string();
    let extended = parts.join(".");

    let genuine = get(&app, "/admin/", &real).await;
    let forged = get(&app, "/admin/", &forged).await;
    let extended = get(&app, "/admin/", &extended).await;

    assert_eq!(genuine.status(), 200);
    for refused in [forged, extended] {
        assert_eq!(refused.status(), 303);
        assert_eq!(refused.headers()[LOCATION], "/admin/console/sign-in");
    }
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_forbidden_and_changes_nothing() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = events(&app).await[0].0;
    let cookie = pair(&sign_in(&app, &[]).await);
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        client()
            .post(format!("{}{path}", app.address))
            .header(COOKIE, cookie.clone())
            .form(&form)
            .send()
    };

    let missing = post(format!("/admin/console/events/{id}/replay"), vec![])
        .await
        .unwrap();
    let wrong = post(
        format!("/admin/console/events/{id}/expunge"),
        vec![("csrf", "00ff")],
    )
    .await
    .unwrap();
    let bulk = post(
        "/admin/console/events/replay".into(),
        vec![("status", "failed")],
    )
    .await
    .unwrap();
    let sign_out = post("/admin/console/sign-out".into(), vec![])
        .await
        .unwrap();

    for response in [missing, wrong, bulk, sign_out] {
        assert_eq!(response.status(), 403, "{}", response.url());
    }
    assert_eq!(events(&app).await[0], (id, "failed".into(), 1, None, false));
}

#[tokio::test]
async fn the_session_cookie_does_not_authorise_the_json_api() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let cookie = pair(&sign_in(&app, &[]).await);

    let response = get(&app, "/admin/events", &cookie).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn without_an_admin_token_there_is_no_console() {
    let app = spawn_admin_app(AdminSetup {
        token: None,
        ..AdminSetup::default()
    })
    .await;

    let response = get(&app, "/admin/", "").await;
    let sign_in = client()
        .get(format!("{}/admin/console/sign-in", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert_eq!(sign_in.status(), 404);
}
