//! The spool's quarantine in the console: a delivery spooled while the database was locked,
//! then refused for good by it, is listed without its body, a replay refused again warns and
//! keeps it, and a replay after the fix stores it and empties the quarantine.

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION};
use uuid::Uuid;

use super::http::{client, csrf_of, get, pair, sign_in};
use crate::helpers::{
    spawn_admin_app_that_spools_soon, spool_a_refused_signup, unrefuse, TestApp, QUARANTINED_EMAIL,
};

const PAGE: &str = "/admin/console/quarantine";

#[tokio::test]
async fn a_quarantined_record_is_shown_and_replayed_from_the_console_once_fixed() {
    let app = spawn_admin_app_that_spools_soon().await;
    let user = Uuid::new_v4();
    spool_a_refused_signup(&app, user).await;
    let cookie = pair(&sign_in(&app, &[]).await);
    let listed = page_once(&app, &cookie, |page| page.contains("23514")).await;
    assert!(listed.contains("auth_hook"), "{listed}");
    assert!(!listed.contains(QUARANTINED_EMAIL), "{listed}");
    let action = listed
        .split("action=\"")
        .find(|rest| rest.starts_with("/admin/console/quarantine/"))
        .and_then(|rest| rest.split('"').next())
        .expect("a replay form")
        .to_owned();

    let refused = post_form(&app, &action, &cookie, &csrf_of(&listed)).await;
    let after_refusal = get(&app, &refused, &cookie).await.text().await.unwrap();
    unrefuse(&app).await;
    let stored = post_form(&app, &action, &cookie, &csrf_of(&after_refusal)).await;
    let after_fix = get(&app, &stored, &cookie).await.text().await.unwrap();
    let without_csrf = client()
        .post(format!("{}{action}", app.address))
        .header(COOKIE, &cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();

    assert!(
        after_refusal.contains(
            r#"<p class="notice warn" role="status">Replayed: the database refused it again"#
        ),
        "{after_refusal}"
    );
    assert!(
        after_refusal.contains("23514"),
        "still listed: {after_refusal}"
    );
    assert!(
        after_fix.contains(r#"<p class="notice" role="status">Replayed: the record is stored"#),
        "{after_fix}"
    );
    assert!(
        after_fix.contains("The quarantine is empty."),
        "{after_fix}"
    );
    assert!(app.mirror_row(user).await.is_some());
    assert_eq!(without_csrf.status(), 403);
}

/// The quarantine page once `ready` says it shows what the test waits for (the drainer works
/// in the background), within 30 s.
async fn page_once(app: &TestApp, cookie: &str, ready: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let page = get(app, PAGE, cookie).await.text().await.unwrap();
        if ready(&page) {
            return page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the quarantine page never showed the record: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Posts a replay form; where the console sends the browser next.
async fn post_form(app: &TestApp, action: &str, cookie: &str, csrf: &str) -> String {
    let response = client()
        .post(format!("{}{action}", app.address))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}
