//! Known-answer vectors: valid deliveries, near misses and decoys.

use super::super::{DeliveryHeaders, VerifiedDelivery, VerifyError};
use super::{first, sign_with, vectors, verifier};

#[test]
fn known_valid_vectors_are_accepted() {
    for vector in vectors().valid {
        let expected = VerifiedDelivery {
            webhook_id: vector.msg_id.clone(),
            timestamp: vector.timestamp(),
        };
        assert_eq!(vector.verify(&vector.signature), Ok(expected));
    }
}

#[test]
fn supabase_style_secret_verifies_the_same_vectors() {
    for vector in vectors().valid {
        let headers = vector.headers(&vector.signature);
        let result = verifier(&format!("v1,{}", vector.secret)).verify(
            &headers,
            vector.payload.as_bytes(),
            vector.timestamp(),
        );
        assert!(result.is_ok());
    }
}

#[test]
fn sign_reproduces_known_signatures() {
    for vector in vectors().valid {
        let body = vector.payload.as_bytes();
        let signature = sign_with(&vector.secret, &vector.msg_id, vector.timestamp(), body);
        assert_eq!(signature, vector.signature);
    }
}

#[test]
fn every_invalid_signature_for_the_first_vector_is_rejected() {
    let vectors = vectors();
    for signature in &vectors.invalid_for_first_vector {
        let result = vectors.valid[0].verify(signature);
        assert_eq!(result, Err(VerifyError::NoValidSignature), "{signature}");
    }
}

#[test]
fn decoys_before_the_valid_signature_are_skipped_in_both_list_forms() {
    let vectors = vectors();
    let vector = &vectors.valid[0];
    for decoy in &vectors.decoys_to_skip_in_a_list {
        for separator in [" ", ", "] {
            let header = format!("{decoy}{separator}{}", vector.signature);
            assert!(vector.verify(&header).is_ok(), "{header:?}");
        }
    }
    let all = vectors.decoys_to_skip_in_a_list.join(", ");
    assert!(vector
        .verify(&format!("{all}, {}", vector.signature))
        .is_ok());
}

#[test]
fn decoys_alone_are_rejected() {
    let vectors = vectors();
    for separator in [" ", ", "] {
        let header = vectors.decoys_to_skip_in_a_list.join(separator);
        let result = vectors.valid[0].verify(&header);
        assert_eq!(result, Err(VerifyError::NoValidSignature), "{header:?}");
    }
}

#[test]
fn tampered_body_is_rejected() {
    let vector = first();
    let tampered = vector.payload.replace("2432232314", "2432232315");
    let result = vector.verify_body(&vector.signature, tampered.as_bytes());
    assert_eq!(result, Err(VerifyError::NoValidSignature));
}

#[test]
fn body_reserialised_from_json_is_rejected() {
    let vector = first();
    let value: serde_json::Value = serde_json::from_str(&vector.payload).unwrap();
    let reserialised = serde_json::to_string(&value).unwrap();
    assert_eq!(reserialised, r#"{"test":2432232314}"#);
    let result = vector.verify_body(&vector.signature, reserialised.as_bytes());
    assert_eq!(result, Err(VerifyError::NoValidSignature));
}

#[test]
fn wrong_key_is_rejected() {
    let vectors = vectors();
    let (vector, other) = (&vectors.valid[0], &vectors.valid[1]);
    let result = verifier(&other.secret).verify(
        &vector.headers(&vector.signature),
        vector.payload.as_bytes(),
        vector.timestamp(),
    );
    assert_eq!(result, Err(VerifyError::NoValidSignature));
}

#[test]
fn signature_for_another_webhook_id_is_rejected() {
    let vector = first();
    let headers = vector.headers(&vector.signature);
    let headers = DeliveryHeaders {
        id: Some("msg_someone_else"),
        ..headers
    };
    assert_eq!(
        vector.verify_headers(&headers),
        Err(VerifyError::NoValidSignature)
    );
}
