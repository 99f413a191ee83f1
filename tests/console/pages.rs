//! Console pages through plain HTTP: a bad filter, an unknown event, paging, and the
//! expunge form's confirmation.

use reqwest::header::COOKIE;

use super::http::{client, csrf_of, get, pair, sign_in};
use super::setup::{deliver_signup, events, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup};

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

#[tokio::test]
async fn expunging_without_the_ticked_confirmation_is_refused() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = events(&app).await[0].0;
    let cookie = pair(&sign_in(&app, &[]).await);
    let page = get(&app, &format!("/admin/console/events/{id}"), &cookie).await;
    let csrf = csrf_of(&page.text().await.unwrap());

    let response = client()
        .post(format!("{}/admin/console/events/{id}/expunge", app.address))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("tick the box to confirm"));
    assert!(!events(&app).await[0].4, "the payload is still there");
}

#[tokio::test]
async fn a_replay_that_failed_again_is_a_warning_and_one_that_applied_is_not() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = events(&app).await[0].0;
    let cookie = pair(&sign_in(&app, &[]).await);
    let page = |done: &'static str| {
        let path = format!("/admin/console/events/{id}?done={done}");
        let cookie = cookie.clone();
        let app = &app;
        async move { get(app, &path, &cookie).await.text().await.unwrap() }
    };

    let failed_again = page("still_failing").await;
    let applied = page("applied").await;

    assert!(
        failed_again.contains(r#"<p class="notice warn" role="status">Replayed: it failed again"#),
        "{failed_again}"
    );
    assert!(
        applied.contains(r#"<p class="notice" role="status">Replayed: the event is applied now."#),
        "{applied}"
    );
}
