//! Who may call the admin API: only with `Authorization: Bearer <ADMIN_TOKEN>`, and only
//! when `ADMIN_TOKEN` is set at all.

use reqwest::Method;
use serde_json::json;

use super::send;
use crate::helpers::{
    spawn_admin_app, spawn_admin_app_adjusted, spawn_app, AdminSetup, TestApp, ADMIN_TOKEN,
};

/// Every admin route, with a method it answers.
const ROUTES: [(&str, &str); 11] = [
    ("GET", "/admin/events"),
    ("GET", "/admin/events/1"),
    ("POST", "/admin/events/1/replay"),
    ("POST", "/admin/events/replay"),
    ("DELETE", "/admin/events/1/payload"),
    ("GET", "/admin/stats"),
    ("GET", "/admin/trigger-errors"),
    ("GET", "/admin/openapi.json"),
    ("POST", "/admin/reconcile"),
    ("GET", "/admin/reconcile"),
    (
        "GET",
        "/admin/reconcile/00000000-0000-0000-0000-000000000001",
    ),
];

fn request(app: &TestApp, method: &str, path: &str) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    app.client
        .request(method, format!("{}{path}", app.address))
        .json(&json!({}))
}

#[tokio::test]
async fn without_admin_token_every_admin_route_is_not_found() {
    let app = spawn_app().await;

    for (method, path) in ROUTES {
        let (status, body) = send(request(&app, method, path).bearer_auth(ADMIN_TOKEN)).await;

        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{method} {path}");
    }
}

#[tokio::test]
async fn admin_routes_refuse_a_missing_or_wrong_token() {
    // Dozens of wrong tokens: more than the throttle lets through (tested in `guessing`).
    let app = spawn_admin_app_adjusted(AdminSetup::default(), super::guessing::unthrottled).await;
    let wrong_token = format!("{ADMIN_TOKEN}x");
    let prefix = &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1];

    for (method, path) in ROUTES {
        let cases = [
            ("no header", request(&app, method, path)),
            (
                "wrong token",
                request(&app, method, path).bearer_auth(&wrong_token),
            ),
            (
                "a prefix of the token",
                request(&app, method, path).bearer_auth(prefix),
            ),
            (
                "basic scheme",
                request(&app, method, path).basic_auth(ADMIN_TOKEN, None::<&str>),
            ),
            (
                "bare token",
                request(&app, method, path).header("authorization", ADMIN_TOKEN),
            ),
        ];
        for (case, request) in cases {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{case}: {method} {path}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(
                body["error"]["code"], "unauthorized",
                "{case}: {method} {path}"
            );
            assert!(!body.to_string().contains(ADMIN_TOKEN), "{body}");
        }
    }
}

#[tokio::test]
async fn the_right_token_opens_every_admin_route_and_unknown_paths_are_not_found() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    for (method, path) in [
        ("GET", "/admin/events"),
        ("GET", "/admin/stats"),
        ("GET", "/admin/trigger-errors"),
        ("GET", "/admin/openapi.json"),
    ] {
        let (status, body) = send(request(&app, method, path).bearer_auth(ADMIN_TOKEN)).await;
        assert_eq!(status, 200, "{method} {path}: {body}");
    }
    let (status, body) =
        send(request(&app, "GET", "/admin/nothing").bearer_auth(ADMIN_TOKEN)).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("not_found"))
    );
}
