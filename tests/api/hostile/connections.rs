//! `MAX_CONNECTIONS`: connections beyond the cap are not served until others close.

use std::time::Duration;

use auth_mirror::config::HttpLimits;

use crate::helpers::{spawn_app_adjusted, RawConnection};
use crate::signature::new_user_hook;

/// How long a test waits for the server at most: a bound on the test, not a speed claim.
const PATIENCE: Duration = Duration::from_secs(15);

/// How long the connection over the cap is watched for an answer that must not come.
const UNSERVED_FOR: Duration = Duration::from_millis(1_500);

#[tokio::test]
async fn a_connection_over_the_cap_waits_until_another_closes() {
    let app = spawn_app_adjusted(|config| {
        config.http = HttpLimits {
            max_connections: 2,
            // The holders' bodies never come: they must hold for the whole test.
            body_read_timeout: Duration::from_secs(600),
        }
    })
    .await;
    // Two connections in the middle of a request (headers sent, body awaited).
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut holder = RawConnection::open(&app).await;
        holder
            .send_signed_head(&app, "/hooks/auth", &new_user_hook())
            .await;
        holders.push(holder);
    }
    // The kernel completes the handshake and takes the request; the service does not read it.
    let mut third = RawConnection::open(&app).await;
    third.send_get(&app, "/healthz").await;

    let early = tokio::time::timeout(UNSERVED_FOR, third.response(PATIENCE)).await;
    assert!(early.is_err(), "served over the cap: {early:?}");

    holders.remove(0);
    let (status, text) = third.response(PATIENCE).await;

    assert_eq!(status, 200, "{text}");
}
