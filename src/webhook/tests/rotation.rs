//! Key rotation: several secrets configured, several signatures sent.

use super::super::{sign, WebhookSecrets};
use super::{sign_with, verify_delivery};

const ID: &str = "msg_rotation";
const TS: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"metadata":{"name":"after-user-created"}}"#;

#[test]
fn rotation_accepts_signatures_from_either_key_in_both_list_forms() {
    let (key_a, key_b) = (WebhookSecrets::generate(), WebhookSecrets::generate());
    let sig_a = sign_with(&key_a, ID, TS, BODY);
    let sig_b = sign_with(&key_b, ID, TS, BODY);
    let headers = [
        format!("{sig_a} {sig_b}"),
        format!("{sig_a}, {sig_b}"),
        format!("{sig_b}, {sig_a}"),
    ];
    let configurations = [
        ("A only", key_a.clone()),
        ("B only", key_b.clone()),
        ("A|B", format!("{key_a}|{key_b}")),
        ("B A", format!("{key_b} {key_a}")),
    ];
    for header in &headers {
        for (name, configured) in &configurations {
            let result = verify_delivery(configured, ID, TS, header, BODY);
            assert!(result.is_ok(), "{header:?} with {name}");
        }
    }
}

#[test]
fn rotation_accepts_a_single_signature_by_either_configured_key() {
    let both = format!(
        "{}|{}",
        WebhookSecrets::generate(),
        WebhookSecrets::generate()
    );
    for key in WebhookSecrets::parse(&both).unwrap().keys() {
        let signature = sign(key, ID, TS, BODY);
        assert!(verify_delivery(&both, ID, TS, &signature, BODY).is_ok());
    }
}

#[test]
fn rotation_rejects_a_signature_by_a_retired_key() {
    let (retired, current) = (WebhookSecrets::generate(), WebhookSecrets::generate());
    let signature = sign_with(&retired, ID, TS, BODY);
    assert!(verify_delivery(&current, ID, TS, &signature, BODY).is_err());
}
