//! Presence and shape of the three headers, and the reasons reported.

use super::super::{
    DeliveryHeaders, VerifyError, WebhookSecrets, MAX_SIGNATURE_ENTRIES, MAX_WEBHOOK_ID_LEN,
};
use super::{first, sign_with, vectors, verify_delivery};

#[test]
fn each_missing_header_is_reported() {
    let vector = first();
    let full = vector.headers(&vector.signature);
    let cases = [
        (DeliveryHeaders { id: None, ..full }, VerifyError::MissingId),
        (
            DeliveryHeaders {
                id: Some(""),
                ..full
            },
            VerifyError::MissingId,
        ),
        (
            DeliveryHeaders {
                timestamp: None,
                ..full
            },
            VerifyError::MissingTimestamp,
        ),
        (
            DeliveryHeaders {
                signature: None,
                ..full
            },
            VerifyError::MissingSignature,
        ),
        (DeliveryHeaders::default(), VerifyError::MissingId),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            vector.verify_headers(&headers),
            Err(expected),
            "{headers:?}"
        );
    }
}

#[test]
fn missing_headers_are_reported_before_a_malformed_timestamp() {
    let vector = first();
    let headers = DeliveryHeaders {
        id: Some("msg"),
        timestamp: Some("x"),
        signature: None,
    };
    assert_eq!(
        vector.verify_headers(&headers),
        Err(VerifyError::MissingSignature)
    );
}

#[test]
fn empty_or_blank_signature_header_has_no_valid_signature() {
    let vector = first();
    for signature in ["", "   ", ",", "v1", "v1,"] {
        let result = vector.verify(signature);
        assert_eq!(result, Err(VerifyError::NoValidSignature), "{signature:?}");
    }
}

#[test]
fn webhook_id_at_the_length_cap_is_accepted_and_one_byte_more_is_rejected() {
    let secret = WebhookSecrets::generate();
    let verify_id_of_len = |len: usize| {
        let id = "i".repeat(len);
        let signature = sign_with(&secret, &id, 1_700_000_000, b"{}");
        verify_delivery(&secret, &id, 1_700_000_000, &signature, b"{}").map(drop)
    };
    assert_eq!(verify_id_of_len(MAX_WEBHOOK_ID_LEN), Ok(()));
    assert_eq!(
        verify_id_of_len(MAX_WEBHOOK_ID_LEN + 1),
        Err(VerifyError::MalformedId)
    );
}

#[test]
fn tabs_and_extra_spaces_around_entries_are_tolerated() {
    let vectors = vectors();
    let vector = &vectors.valid[0];
    let decoy = &vectors.decoys_to_skip_in_a_list[0];
    for header in [
        format!("\t{}\t", vector.signature),
        format!("{decoy} ,\t {}  ", vector.signature),
        format!("  {decoy},{}", vector.signature),
    ] {
        assert!(vector.verify(&header).is_ok(), "{header:?}");
    }
}

#[test]
fn signature_beyond_the_entry_cap_is_ignored() {
    let vectors = vectors();
    let vector = &vectors.valid[0];
    let decoy = &vectors.decoys_to_skip_in_a_list[0];
    let within = format!(
        "{}{}",
        format!("{decoy}, ").repeat(MAX_SIGNATURE_ENTRIES - 1),
        vector.signature
    );
    let beyond = format!("{decoy}, {within}");
    assert!(vector.verify(&within).is_ok());
    assert_eq!(vector.verify(&beyond), Err(VerifyError::NoValidSignature));
}

#[test]
fn reasons_are_distinct_snake_case_labels() {
    let all = [
        VerifyError::MissingId,
        VerifyError::MalformedId,
        VerifyError::MissingTimestamp,
        VerifyError::MissingSignature,
        VerifyError::MalformedTimestamp,
        VerifyError::TimestampTooOld,
        VerifyError::TimestampTooNew,
        VerifyError::NoValidSignature,
    ];
    let mut reasons: Vec<_> = all.iter().map(VerifyError::reason).collect();
    assert!(reasons
        .iter()
        .all(|r| r.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert_eq!(VerifyError::TimestampTooOld.reason(), "stale_timestamp");
    reasons.sort_unstable();
    reasons.dedup();
    assert_eq!(reasons.len(), all.len());
}
