//! The raw body: verified as the exact bytes received (empty, non-ASCII), bounded by
//! `MAX_BODY_BYTES` whether or not its length is declared, and only as `application/json`.

use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use uuid::Uuid;

use super::{
    assert_accepted, assert_error, assert_error_body, assert_nothing_stored, signed_now, ENDPOINTS,
};
use crate::helpers::{authority, read_response, spawn_app, TestApp, MAX_BODY_BYTES};
use crate::payloads::{hook, hook_user};

/// An `after-user-created` hook for user `id` whose `user_metadata` is `metadata`.
fn hook_with_metadata(id: Uuid, metadata: serde_json::Value) -> Vec<u8> {
    let mut user = hook_user(id, "zoe@example.com", "2024-05-01T10:00:00Z");
    user["user_metadata"] = metadata;
    hook("after-user-created", Uuid::new_v4(), user)
}

/// A hook of exactly `len` bytes, padded in `user_metadata.padding`.
fn hook_of_len(len: usize) -> Vec<u8> {
    let id = Uuid::new_v4();
    let bare = hook_with_metadata(id, json!({ "padding": "" })).len();
    let body = hook_with_metadata(id, json!({ "padding": "x".repeat(len - bare) }));
    assert_eq!(body.len(), len);
    body
}

#[tokio::test]
async fn an_empty_body_signed_correctly_is_answered_ok_and_stored_as_unparsed() {
    let app = spawn_app().await;

    let response = app
        .post_with_headers("/hooks/auth", &signed_now(&app.secrets, b""), Vec::new())
        .await;

    assert_accepted(response).await;
    let events = app.events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (kind, status, effect, last_error) = &events[0];
    assert_eq!((kind.as_str(), status.as_str()), ("unparsed", "failed"));
    assert_eq!(*effect, None);
    assert!(last_error.is_some(), "the parse failure is recorded");
}

#[tokio::test]
async fn a_non_ascii_body_is_verified_over_its_bytes_and_mirrored_exactly() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let metadata = json!({ "full_name": "Zoë 🚀" });
    let body = hook_with_metadata(id, metadata.clone());
    assert!(!body.is_ascii());

    let response = app
        .post_with_headers("/hooks/auth", &signed_now(&app.secrets, &body), body)
        .await;

    assert_accepted(response).await;
    let row = app.mirror_row(id).await.expect("mirror row");
    assert_eq!(row["user_metadata"], metadata);
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_accepted() {
    let app = spawn_app().await;
    let body = hook_of_len(MAX_BODY_BYTES);

    let response = app
        .post_with_headers("/hooks/auth", &signed_now(&app.secrets, &body), body)
        .await;

    assert_accepted(response).await;
}

#[tokio::test]
async fn an_oversized_body_with_its_content_length_is_rejected_with_413() {
    let app = spawn_app().await;

    for path in ENDPOINTS {
        let body = hook_of_len(MAX_BODY_BYTES + 1);
        let headers = signed_now(&app.secrets, &body);

        let response = app.post_with_headers(path, &headers, body).await;

        assert_error(response, 413, "payload_too_large").await;
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_oversized_chunked_body_without_content_length_is_rejected_with_413() {
    let app = spawn_app().await;
    let small = hook_of_len(10 * 1024);
    let (status, text) = post_chunked(&app, "/hooks/auth", &small).await;
    assert_eq!(
        status, 200,
        "a chunked body within the limit is read: {text}"
    );

    for path in ENDPOINTS {
        let body = hook_of_len(MAX_BODY_BYTES + 1);

        let (status, text) = post_chunked(&app, path, &body).await;

        assert_eq!(status, 413, "{path}: {text}");
        assert_error_body(&text, 413, "payload_too_large");
    }
    assert_eq!(app.events().await.len(), 1, "only the small delivery");
}

#[tokio::test]
async fn a_body_that_is_not_declared_as_json_is_rejected_with_415() {
    let app = spawn_app().await;

    for path in ENDPOINTS {
        for content_type in [Some("text/plain"), None] {
            let body = super::new_user_hook();
            let mut request = app
                .client
                .post(format!("{}{path}", app.address))
                .body(body.clone());
            for (name, value) in signed_now(&app.secrets, &body) {
                request = request.header(name, value);
            }
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }

            let response = request.send().await.expect("request");

            assert_error(response, 415, "unsupported_media_type").await;
        }
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn json_with_a_charset_parameter_is_accepted() {
    let app = spawn_app().await;
    let body = super::new_user_hook();
    let mut request = app
        .client
        .post(format!("{}/hooks/auth", app.address))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.clone());
    for (name, value) in signed_now(&app.secrets, &body) {
        request = request.header(name, value);
    }

    let response = request.send().await.expect("request");

    assert_accepted(response).await;
}

/// POSTs `body`, signed, with `Transfer-Encoding: chunked` and no `Content-Length`, over a
/// plain socket (reqwest streams bodies only with its `stream` feature, which this crate does
/// not enable). Returns the status and the response body.
async fn post_chunked(app: &TestApp, path: &str, body: &[u8]) -> (u16, String) {
    let authority = authority(app);
    let (mut reader, mut writer) = TcpStream::connect(&authority)
        .await
        .expect("connect")
        .into_split();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n"
    );
    for (name, value) in signed_now(&app.secrets, body) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let body = body.to_vec();
    // The server may answer and close before the upload ends, so the response is read while
    // the upload runs, and upload errors are expected.
    let upload = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        for chunk in body.chunks(64 * 1024) {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(chunk).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.write_all(b"0\r\n\r\n").await?;
        writer.flush().await
    });
    let response = tokio::time::timeout(Duration::from_secs(30), read_response(&mut reader))
        .await
        .expect("a response within 30 s");
    upload.abort();
    response
}
