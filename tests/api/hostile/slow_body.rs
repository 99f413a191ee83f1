//! `BODY_READ_TIMEOUT_MS`: once its headers are in, a body must arrive in full within it, or
//! the answer is `408` and the connection is closed.

use std::time::Duration;

use auth_mirror::config::HttpLimits;

use crate::helpers::{
    chunked, spawn_admin_app, spawn_app_adjusted, AdminSetup, RawConnection, TestApp,
};
use crate::signature::{assert_error_body, assert_nothing_stored, new_user_hook, ENDPOINTS};

const TIMEOUT: Duration = Duration::from_millis(1_000);

/// How long a test waits for the server at most: a bound on the test, not a speed claim.
const PATIENCE: Duration = Duration::from_secs(15);

fn limits() -> HttpLimits {
    HttpLimits {
        body_read_timeout: TIMEOUT,
        ..HttpLimits::default()
    }
}

/// How a trickled body is delimited.
#[derive(Debug, Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
}

/// Sends a signed delivery's head, then trickles its body one byte every 250 ms: never idle
/// for the timeout, so only a deadline for the whole body (not a per-read one) can cut it.
/// Asserts the 408 and the closed connection.
async fn assert_trickle_is_cut_off(app: &TestApp, path: &str, framing: Framing) {
    let body = new_user_hook();
    let mut connection = RawConnection::open(app).await;
    let sent = match framing {
        Framing::ContentLength => {
            connection.send_signed_head(app, path, &body).await;
            body.clone()
        }
        Framing::Chunked => {
            connection.send_signed_chunked_head(app, path, &body).await;
            chunked(&body)
        }
    };

    let (status, text) = connection
        .send_in_pieces(&sent, body.len(), Duration::from_millis(250), PATIENCE)
        .await;

    assert_eq!(status, 408, "{path} {framing:?}: {text}");
    assert_error_body(&text, 408, "body_timeout");
    assert!(
        connection.closed_by_server(PATIENCE).await,
        "{path} {framing:?}: the connection is closed after the 408"
    );
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_read_timeout_is_cut_off_with_408() {
    let app = spawn_app_adjusted(|config| config.http = limits()).await;

    for path in ENDPOINTS {
        assert_trickle_is_cut_off(&app, path, Framing::ContentLength).await;
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_chunked_body_trickled_slower_than_the_read_timeout_is_cut_off_with_408() {
    let app = spawn_app_adjusted(|config| config.http = limits()).await;

    // Without this, actix would keep the connection to drain the rest of a dropped chunked
    // body, for as long as the client trickles it or stays silent.
    for path in ENDPOINTS {
        assert_trickle_is_cut_off(&app, path, Framing::Chunked).await;
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_body_sent_in_pieces_within_the_read_timeout_is_accepted() {
    let app = spawn_app_adjusted(|config| config.http = limits()).await;
    let body = new_user_hook();
    let mut connection = RawConnection::open(&app).await;
    connection
        .send_signed_head(&app, "/hooks/auth", &body)
        .await;

    // Three pieces 100 ms apart: slow, but complete well inside the timeout.
    let (status, text) = connection
        .send_in_pieces(&body, 3, Duration::from_millis(100), PATIENCE)
        .await;

    assert_eq!((status, text.as_str()), (200, "{}"));
    assert_eq!(app.events().await.len(), 1);
}

#[tokio::test]
async fn a_chunked_body_a_route_never_reads_does_not_hold_the_connection() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    // `/healthz` takes GET only: its JSON 404 does not read the body; nor does the admin
    // API's 401 for a request without the token.
    for (path, status) in [("/healthz", 404), ("/admin/events/replay", 401)] {
        let mut connection = RawConnection::open(&app).await;
        connection.send_signed_chunked_head(&app, path, b"{}").await;

        let (answered, text) = connection
            .send_in_pieces(&chunked(b"{"), 1, Duration::ZERO, PATIENCE)
            .await;

        assert_eq!(answered, status, "{path}: {text}");
        assert!(
            connection.closed_by_server(PATIENCE).await,
            "{path}: the connection is closed, not kept to drain the body"
        );
    }
}
