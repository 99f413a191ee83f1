//! The `webhook-timestamp` header: format and tolerance window.

use std::time::Duration;

use super::super::{DeliveryHeaders, VerifyError};
use super::{first, verifier_with_tolerance};

const TOLERANCE: i64 = 300;

/// Verifies the first vector under `signature` with the clock at `now`.
fn verify_at_with(signature: &str, now: i64) -> Result<(), VerifyError> {
    let vector = first();
    let verifier = verifier_with_tolerance(&vector.secret, Duration::from_secs(TOLERANCE as u64));
    verifier
        .verify(&vector.headers(signature), vector.payload.as_bytes(), now)
        .map(drop)
}

fn verify_at(now: i64) -> Result<(), VerifyError> {
    verify_at_with(&first().signature, now)
}

#[test]
fn timestamp_exactly_tolerance_old_is_accepted() {
    assert_eq!(verify_at(first().timestamp() + TOLERANCE), Ok(()));
}

#[test]
fn timestamp_exactly_tolerance_ahead_is_accepted() {
    assert_eq!(verify_at(first().timestamp() - TOLERANCE), Ok(()));
}

#[test]
fn one_second_past_tolerance_is_rejected_as_too_old() {
    assert_eq!(
        verify_at(first().timestamp() + TOLERANCE + 1),
        Err(VerifyError::TimestampTooOld)
    );
}

#[test]
fn one_second_past_tolerance_ahead_is_rejected_as_too_new() {
    assert_eq!(
        verify_at(first().timestamp() - TOLERANCE - 1),
        Err(VerifyError::TimestampTooNew)
    );
}

#[test]
fn extreme_clocks_do_not_overflow() {
    assert_eq!(verify_at(i64::MAX), Err(VerifyError::TimestampTooOld));
    assert_eq!(verify_at(i64::MIN), Err(VerifyError::TimestampTooNew));
}

#[test]
fn stale_timestamp_is_reported_before_a_bad_signature() {
    let now = first().timestamp() + TOLERANCE + 1;
    assert_eq!(
        verify_at_with("v1,bogus", now),
        Err(VerifyError::TimestampTooOld)
    );
}

#[test]
fn non_digit_timestamps_are_malformed() {
    let vector = first();
    for raw in [
        "",
        "-1614265330",
        "+1614265330",
        "1614265330.5",
        " 1614265330",
        "1614265330 ",
        "16142653x0",
        "1614265330\u{0663}",
        "99999999999999999999999",
        "9223372036854775808",
    ] {
        let headers = DeliveryHeaders {
            timestamp: Some(raw),
            ..vector.headers(&vector.signature)
        };
        let result = vector.verify_headers(&headers);
        assert_eq!(result, Err(VerifyError::MalformedTimestamp), "{raw:?}");
    }
}
