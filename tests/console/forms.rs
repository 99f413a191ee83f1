//! The console's session and CSRF rules through plain HTTP: the cookie's attributes, a
//! forged or tampered cookie, a form without its CSRF token, and the JSON API's bearer.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use super::setup::{deliver_signup, events, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp, ADMIN_TOKEN};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Signs in with the form; the `Set-Cookie` header.
async fn sign_in(app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut request = client()
        .post(format!("{}/admin/console/sign-in", app.address))
        .form(&[("token", ADMIN_TOKEN)]);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sign in");
    assert_eq!(response.status(), 303);
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

/// The `name=value` part of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("get")
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_bounded_and_holds_no_token() {
    let app = spawn_admin_app(AdminSetup::default()).await;

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
    ] {
        assert!(local.contains(attribute), "{attribute} missing: {local}");
    }
    assert!(!local.contains("Secure"), "plain loopback HTTP: {local}");
    assert!(proxied.contains("Secure"), "behind HTTPS: {proxied}");
    assert!(!local.contains(ADMIN_TOKEN));
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
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

#[tokio::test]
async fn a_bad_filter_is_explained_on_the_page_and_an_unknown_event_is_not_found() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let cookie = pair(&sign_in(&app, &[]).await);

    let bad = get(
        &app,
        "/admin/console/events?status=broken&user_id=",
        &cookie,
    )
    .await;
    let (bad_status, bad_page) = (bad.status(), bad.text().await.unwrap());
    let missing = get(&app, "/admin/console/events/999999", &cookie).await;
    let not_a_number = get(&app, "/admin/console/events/abc", &cookie).await;

    assert_eq!(bad_status, 400);
    assert!(
        bad_page.contains("status must be one of applied, failed, dead, ignored"),
        "{bad_page}"
    );
    assert_eq!(missing.status(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("no event has this id"));
    assert_eq!(not_a_number.status(), 404);
}

#[tokio::test]
async fn the_events_table_pages_with_the_api_cursor_and_keeps_the_filter() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..51 {
        deliver_signup(&app).await;
    }
    let oldest = events(&app).await[0].0;
    let cookie = pair(&sign_in(&app, &[]).await);

    let first = get(&app, "/admin/console/events?status=failed&kind=", &cookie).await;
    let first = first.text().await.unwrap();
    let next = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older events")
        .replace("&amp;", "&");
    let second = get(&app, &next, &cookie).await.text().await.unwrap();

    assert_eq!(first.matches("class=\"status-failed\"").count(), 50);
    assert!(
        next.starts_with("/admin/console/events?status=failed&cursor="),
        "{next}"
    );
    assert_eq!(second.matches("class=\"status-failed\"").count(), 1);
    assert!(second.contains(&format!("/admin/console/events/{oldest}\"")));
    assert!(!second.contains("rel=\"next\""));
}
