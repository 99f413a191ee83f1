//! What every `/admin` answer carries, whatever it says: `Cache-Control: no-store` (lists and
//! payloads are personal data no cache may keep) and `X-Content-Type-Options: nosniff`; and a
//! filter PostgreSQL could not take (a NUL character) is bad input, not a database failure.

use reqwest::header::{CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS};
use reqwest::Method;
use serde_json::json;

use super::{admin, admin_post, send};
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn every_admin_json_answer_is_no_store_and_nosniff() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let unauthenticated = app.client.get(format!("{}/admin/events", app.address));
    let answers = [
        ("list", admin(&app, Method::GET, "/admin/events")),
        (
            "payload",
            admin(&app, Method::GET, "/admin/events/1?payload=true"),
        ),
        ("stats", admin(&app, Method::GET, "/admin/stats")),
        ("openapi", admin(&app, Method::GET, "/admin/openapi.json")),
        (
            "bad input",
            admin(&app, Method::GET, "/admin/events?status=x"),
        ),
        ("unknown path", admin(&app, Method::GET, "/admin/nothing")),
        ("no token", unauthenticated),
    ];

    for (case, request) in answers {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers();

        assert_eq!(headers[CACHE_CONTROL], "no-store", "{case} ({status})");
        assert_eq!(
            headers[X_CONTENT_TYPE_OPTIONS], "nosniff",
            "{case} ({status})"
        );
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{case} ({status})"
        );
    }
}

#[tokio::test]
async fn a_nul_character_in_a_filter_is_bad_input_with_its_own_code() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    let (listed, list_body) = send(admin(&app, Method::GET, "/admin/events?kind=a%00b")).await;
    let (replayed, replay_body) = admin_post(
        &app,
        "/admin/events/replay",
        json!({"kind": "after-user-created\u{0}", "dry_run": true}),
    )
    .await;
    let (status_nul, status_body) =
        send(admin(&app, Method::GET, "/admin/events?status=failed%00")).await;

    for (status, body) in [
        (listed, &list_body),
        (replayed, &replay_body),
        (status_nul, &status_body),
    ] {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "nul_character", "{body}");
    }
    assert!(
        list_body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("kind "),
        "{list_body}"
    );
    // The database was never asked, so it is not reported down.
    let (ok, _) = send(admin(&app, Method::GET, "/admin/events?kind=a")).await;
    assert_eq!(ok, 200);
}
