//! Deliveries that must not verify: altered bodies, wrong keys, timestamps out of the window
//! or not plain digits, missing headers. All get one uniform `401` and nothing is stored.

use auth_mirror::webhook::WebhookSecrets;

use super::{
    assert_accepted, assert_nothing_stored, assert_unauthorized, headers, metric, new_id,
    new_user_hook, sign_text, signed_at, signed_now, ENDPOINTS,
};
use crate::helpers::{spawn_app, unix_now, TOLERANCE_SECONDS};

#[tokio::test]
async fn tampered_reserialised_and_wrongly_keyed_bodies_get_the_same_401() {
    let app = spawn_app().await;
    let body = new_user_hook();

    let mut tampered = body.clone();
    let at = tampered.iter().position(|&byte| byte == b'L').unwrap();
    tampered[at] = b'l';
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    let other_key = WebhookSecrets::generate();
    let attempts = [
        (signed_now(&app.secrets, &body), tampered),
        (signed_now(&app.secrets, &body), pretty),
        (signed_now(&other_key, &body), body.clone()),
    ];

    for path in super::ENDPOINTS {
        let mut answers = Vec::new();
        for (headers, sent) in &attempts {
            let response = app.post_with_headers(path, headers, sent.clone()).await;
            answers.push(assert_unauthorized(response).await);
        }

        // No oracle: the answer does not tell which check failed.
        assert_eq!(answers[0], answers[1], "{path}");
        assert_eq!(answers[1], answers[2], "{path}");
    }
    assert_nothing_stored(&app).await;
}

// The verifier's exact ±tolerance boundary is unit-tested in src/webhook with an injected
// clock. Over HTTP the server reads its own clock, which may tick to the next second between
// signing and checking, so these tests keep a 2 s margin on each side of the boundary.
const MARGIN: i64 = 2;

#[tokio::test]
async fn timestamps_within_the_tolerance_either_way_are_accepted() {
    let app = spawn_app().await;
    let tolerance = TOLERANCE_SECONDS as i64;

    for offset in [-(tolerance - MARGIN), tolerance - MARGIN] {
        let body = new_user_hook();
        let headers = signed_at(&app.secrets, unix_now() + offset, &body);

        let response = app.post_with_headers("/hooks/auth", &headers, body).await;

        assert_accepted(response).await;
    }
    assert_eq!(app.events().await.len(), 2);
}

#[tokio::test]
async fn timestamps_beyond_the_tolerance_either_way_are_rejected() {
    let app = spawn_app().await;
    let tolerance = TOLERANCE_SECONDS as i64;

    for path in ENDPOINTS {
        for offset in [-(tolerance + MARGIN), tolerance + MARGIN] {
            let body = new_user_hook();
            let headers = signed_at(&app.secrets, unix_now() + offset, &body);

            let response = app.post_with_headers(path, &headers, body).await;

            assert_unauthorized(response).await;
        }
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_delivery_missing_any_of_the_three_headers_is_rejected() {
    let app = spawn_app().await;

    for path in ENDPOINTS {
        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let body = new_user_hook();
            let mut headers = signed_now(&app.secrets, &body);
            headers.retain(|(name, _)| *name != missing);

            let response = app.post_with_headers(path, &headers, body).await;

            assert_unauthorized(response).await;
        }
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn timestamps_that_are_not_plain_digits_are_rejected() {
    let app = spawn_app().await;
    let now = unix_now();
    let malformed = [
        "-1".to_owned(),
        format!("+{now}"),
        format!("{now}.5"),
        format!(" {now}"),
        "abc".to_owned(),
    ];

    for path in ENDPOINTS {
        for timestamp in &malformed {
            let body = new_user_hook();
            let id = new_id();
            // Signed over the timestamp text as sent: only its format can make it fail.
            let signature = sign_text(&app.secrets, &id, timestamp, &body);

            let response = app
                .post_with_headers(path, &headers(&id, timestamp, &signature), body)
                .await;

            assert_unauthorized(response).await;
        }
    }
    assert_nothing_stored(&app).await;
    // HTTP strips a header value's leading whitespace (RFC 9110 OWS), so ` <now>` reaches the
    // server as `<now>` and fails on the signature made over the text with the space; the
    // other four fail on their format.
    let rejections = "auth_mirror_rejections_total";
    let malformed = metric(&app, rejections, "reason=\"malformed_timestamp\"").await;
    let unsigned = metric(&app, rejections, "reason=\"no_valid_signature\"").await;
    assert_eq!(malformed, Some(8.0));
    assert_eq!(unsigned, Some(2.0));
}

#[tokio::test]
async fn a_bad_signature_is_counted_by_reason_in_the_metrics() {
    let app = spawn_app().await;
    let body = new_user_hook();
    let headers = signed_now(&WebhookSecrets::generate(), &body);

    let response = app.post_with_headers("/hooks/auth", &headers, body).await;

    assert_unauthorized(response).await;
    let rejections = metric(
        &app,
        "auth_mirror_rejections_total",
        "reason=\"no_valid_signature\"",
    )
    .await;
    assert_eq!(rejections, Some(1.0));
}
