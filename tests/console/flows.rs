//! What an operator does in the console, in a real Chromium: sign in, find what failed,
//! read why, replay it (one, then all matching after a confirmation), expunge, sign out.

use super::browser::Browser;
use super::setup::{deliver_signup, events, repair, sabotage, PRIVATE_EMAIL};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp, ADMIN_TOKEN};

/// Signs in through the form with `token`.
async fn sign_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.open(&format!("{}/admin/", app.address)).await;
    assert_eq!(
        browser.path().await,
        "/admin/console/sign-in",
        "signed out, the console asks to sign in"
    );
    browser.fill("token", token).await;
    browser.click("Sign in").await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_the_right_one_opens_the_overview_and_sign_out_ends_it() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let browser = Browser::start().await;

    sign_in(&browser, &app, "not-the-token").await;
    let refused = browser.page_text().await;
    sign_in(&browser, &app, ADMIN_TOKEN).await;
    let overview_path = browser.path().await;
    let overview = browser.text("main h1").await;
    let source = browser.client.source().await.expect("page source");
    browser.click("Sign out").await;
    let signed_out = browser.page_text().await;
    browser
        .open(&format!("{}/admin/console/events", app.address))
        .await;
    let after_sign_out = browser.path().await;
    browser.close().await;

    assert!(
        refused.contains("That is not the admin token."),
        "{refused}"
    );
    assert_eq!(overview_path, "/admin/");
    assert_eq!(overview, "Overview");
    assert!(
        !source.contains(ADMIN_TOKEN),
        "the token is never in the page"
    );
    assert!(signed_out.contains("You are signed out."), "{signed_out}");
    assert_eq!(after_sign_out, "/admin/console/sign-in");
}

#[tokio::test]
async fn a_failed_event_is_found_read_replayed_with_its_button_and_expunged() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    let user = deliver_signup(&app).await;
    deliver_signup(&app).await;
    let first = events(&app).await[0].0;
    let browser = Browser::start().await;
    sign_in(&browser, &app, ADMIN_TOKEN).await;

    let failed_count = browser.text("td.status-failed").await;
    let chart = browser.text("figcaption").await;
    let bars = browser
        .client
        .find_all(fantoccini::Locator::Css("figure svg rect"))
        .await;
    browser.screenshot("overview").await;
    browser.click("Failed events").await;
    let listing = browser.text("table").await;
    browser.screenshot("events").await;
    browser.click(&first.to_string()).await;
    let before = browser.text("dl").await;
    let hidden = browser.page_text().await;
    browser.click("Show the payload (personal data)").await;
    let payload = browser.text("pre").await;
    browser.screenshot("event").await;
    repair(&app).await;
    browser.click("Replay this event").await;
    let notice = browser.text("p.notice").await;
    let after = browser.text("dl").await;
    let state_after_replay = events(&app).await[0].clone();
    browser
        .client
        .find(fantoccini::Locator::Id("confirm-expunge"))
        .await
        .expect("the confirmation box")
        .click()
        .await
        .expect("tick it");
    browser.click("Expunge the payload").await;
    let expunged = browser.page_text().await;
    browser.close().await;

    assert_eq!(failed_count, "2");
    assert!(chart.contains("failed 2"), "{chart}");
    assert!(
        !bars.expect("bars").is_empty(),
        "the chart draws this minute's bar"
    );
    assert_eq!(listing.matches("failed").count(), 2, "{listing}");
    assert!(
        !listing.contains(PRIVATE_EMAIL),
        "no personal data in the table"
    );
    assert!(before.contains("Status\nfailed"), "{before}");
    assert!(
        before.contains("no_example"),
        "the last error names the constraint: {before}"
    );
    assert!(
        !hidden.contains(PRIVATE_EMAIL),
        "the payload waits to be asked for"
    );
    assert!(payload.contains(PRIVATE_EMAIL), "{payload}");
    assert!(
        payload.contains("\n  \"user\": {"),
        "pretty-printed: {payload}"
    );
    assert_eq!(notice, "Replayed: the event is applied now.");
    assert!(after.contains("Status\napplied"), "{after}");
    assert!(after.contains("Applied via\nreplay"), "{after}");
    assert!(
        after.contains("Next retry\n—"),
        "an empty time shows — like every empty field: {after}"
    );
    assert_eq!(
        state_after_replay,
        (first, "applied".into(), 2, Some("replay".into()), false)
    );
    assert!(app.mirror_row(user).await.is_some());
    assert!(expunged.contains("The payload is expunged."), "{expunged}");
    assert!(
        events(&app).await[0].4,
        "the payload is gone from the database"
    );
}

#[tokio::test]
async fn replaying_everything_that_matches_asks_first_then_applies_it_all() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..3 {
        deliver_signup(&app).await;
    }
    repair(&app).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, ADMIN_TOKEN).await;

    browser.click("Failed events").await;
    browser
        .click("Replay the failed and dead events matching this filter…")
        .await;
    let dry_run = browser.text("#dry-run").await;
    let untouched = events(&app).await;
    browser.click("Replay 3 events").await;
    let result = browser.text("#bulk-result").await;
    let class = browser.class("#bulk-result").await;
    browser.close().await;

    assert_eq!(dry_run, "3 failed or dead events match; 3 can be replayed.");
    assert!(
        untouched.iter().all(|event| event.1 == "failed"),
        "the count changes nothing"
    );
    assert!(
        result.starts_with("Replayed 3 events: 3 applied, 0 still failing"),
        "{result}"
    );
    assert_eq!(class, "notice", "success, not a warning");
    assert!(events(&app).await.iter().all(|event| event.1 == "applied"));
}
