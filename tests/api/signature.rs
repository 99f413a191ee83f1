//! The front door, black-box: `POST /hooks/auth` and `POST /hooks/db` accept exactly the
//! deliveries Supabase signs (Standard Webhooks v1 in Supabase's dialect) and refuse the rest
//! with a precise status, a JSON error body and nothing stored.
//!
//! Deliveries are signed here with an HMAC written independently of the product's `sign`, over
//! the header texts and the raw body bytes exactly as sent.

mod body;
mod rejection;
mod rotation;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

use crate::helpers::{unix_now, TestApp};
use crate::payloads::{hook, hook_user};

/// Both signed endpoints: every rejection must hold for each.
pub(crate) const ENDPOINTS: [&str; 2] = ["/hooks/auth", "/hooks/db"];

/// `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` under a `v1,whsec_<base64>` secret.
/// `timestamp` is text so that malformed timestamps can be signed as sent.
fn sign_text(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = STANDARD
        .decode(
            secret
                .strip_prefix("v1,whsec_")
                .expect("a v1,whsec_ secret"),
        )
        .expect("base64 key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A fresh `webhook-id`, as Supabase sends on every attempt.
fn new_id() -> String {
    format!("msg_{}", Uuid::new_v4().simple())
}

/// The three Standard Webhooks headers.
fn headers(id: &str, timestamp: &str, signature: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_owned()),
        ("webhook-signature", signature.to_owned()),
    ]
}

/// Headers for `body` signed now by `secret`.
pub(crate) fn signed_now(secret: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    signed_at(secret, unix_now(), body)
}

/// Headers for `body` signed by `secret` with timestamp `timestamp`.
fn signed_at(secret: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    let (id, timestamp) = (new_id(), timestamp.to_string());
    let signature = sign_text(secret, &id, &timestamp, body);
    headers(&id, &timestamp, &signature)
}

/// A new user's `after-user-created` hook (a new invocation each call, so never a duplicate).
pub(crate) fn new_user_hook() -> Vec<u8> {
    hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(Uuid::new_v4(), "ada@example.com", "2024-05-01T10:00:00Z"),
    )
}

/// Asserts Supabase's success answer: `200`, JSON, `{}`.
pub(crate) async fn assert_accepted(response: reqwest::Response) {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON"),
        json!({})
    );
}

/// Asserts an error answer: `status` and `{"error":{"http_code":status,"code":code,"message":..}}`
/// as JSON. Returns the raw body, to compare answers byte for byte.
pub(crate) async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/json");
    let text = response.text().await.expect("body");
    assert_error_body(&text, status, code);
    text
}

/// Asserts the shape of an error body.
pub(crate) fn assert_error_body(text: &str, status: u16, code: &str) {
    let body: Value = serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    let error = &body["error"];
    assert_eq!(
        body.as_object().map(|object| object.len()),
        Some(1),
        "{text}"
    );
    assert_eq!(error["http_code"], status, "{text}");
    assert_eq!(error["code"], code, "{text}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{text}"
    );
}

/// Asserts the uniform signature failure (`401`, code `invalid_signature`).
pub(crate) async fn assert_unauthorized(response: reqwest::Response) -> String {
    assert_error(response, 401, "invalid_signature").await
}

/// Asserts that `auth_mirror.events` holds nothing: a rejected delivery is never stored.
pub(crate) async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.events().await, vec![]);
}

/// The value of the sample of metric `name` with exactly `labels` (empty: a metric without
/// labels) in `GET /metrics`, if any.
pub(crate) async fn metric(app: &TestApp, name: &str, labels: &str) -> Option<f64> {
    let text = app.metrics().await;
    let prefix = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().parse().expect("a number"))
}
