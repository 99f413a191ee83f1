//! Bodies are signed as raw bytes: empty, non-ASCII and non-UTF-8 bodies all verify.

use super::super::{VerifyError, WebhookSecrets};
use super::{sign_with, verify_delivery};

const ID: &str = "msg_body";
const TS: i64 = 1_700_000_000;

fn verify_signed(body: &[u8], received: &[u8]) -> Result<(), VerifyError> {
    let secret = WebhookSecrets::generate();
    let signature = sign_with(&secret, ID, TS, body);
    verify_delivery(&secret, ID, TS, &signature, received).map(drop)
}

#[test]
fn empty_body_signed_correctly_is_accepted() {
    assert_eq!(verify_signed(b"", b""), Ok(()));
}

#[test]
fn utf8_non_ascii_body_is_accepted() {
    let body = r#"{"user_metadata":{"name":"Zoë 山田 🚀"}}"#.as_bytes();
    assert_eq!(verify_signed(body, body), Ok(()));
}

#[test]
fn invalid_utf8_body_is_accepted_when_signed() {
    let body = b"{\"x\":\"\xff\xfe\xc3\x28\"}\0";
    assert_eq!(verify_signed(body, body), Ok(()));
}

#[test]
fn body_with_a_trailing_newline_added_is_rejected() {
    assert_eq!(
        verify_signed(b"{}", b"{}\n"),
        Err(VerifyError::NoValidSignature)
    );
}

#[test]
fn large_body_is_accepted() {
    let body = vec![b'a'; 1 << 20];
    assert_eq!(verify_signed(&body, &body), Ok(()));
}
