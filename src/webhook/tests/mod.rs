//! Tests of the verifier, driven by the Standard Webhooks known-answer vectors.

mod bodies;
mod headers;
mod properties;
mod rotation;
mod secrets;
mod timestamps;
mod vectors;

use std::time::Duration;

use serde::Deserialize;

use super::{
    sign, DeliveryHeaders, VerifiedDelivery, Verifier, VerifyError, WebhookSecrets,
    DEFAULT_TOLERANCE,
};

const VECTORS_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/standard-webhooks-vectors.json"
));

#[derive(Deserialize)]
struct Vectors {
    valid: Vec<Vector>,
    invalid_for_first_vector: Vec<String>,
    decoys_to_skip_in_a_list: Vec<String>,
}

#[derive(Deserialize)]
struct Vector {
    secret: String,
    msg_id: String,
    timestamp: String,
    payload: String,
    signature: String,
}

impl Vector {
    fn timestamp(&self) -> i64 {
        self.timestamp.parse().unwrap()
    }

    fn verifier(&self) -> Verifier {
        verifier(&self.secret)
    }

    /// Verifies this vector's payload under `signature`, with its own secret, at its own time.
    fn verify(&self, signature: &str) -> Result<VerifiedDelivery, VerifyError> {
        self.verify_body(signature, self.payload.as_bytes())
    }

    /// Like [`Vector::verify`], with another body received.
    fn verify_body(&self, signature: &str, body: &[u8]) -> Result<VerifiedDelivery, VerifyError> {
        self.verifier()
            .verify(&self.headers(signature), body, self.timestamp())
    }

    /// Verifies this vector's payload under other headers, with its own secret and time.
    fn verify_headers(
        &self,
        headers: &DeliveryHeaders<'_>,
    ) -> Result<VerifiedDelivery, VerifyError> {
        self.verifier()
            .verify(headers, self.payload.as_bytes(), self.timestamp())
    }

    fn headers<'a>(&'a self, signature: &'a str) -> DeliveryHeaders<'a> {
        DeliveryHeaders {
            id: Some(&self.msg_id),
            timestamp: Some(&self.timestamp),
            signature: Some(signature),
        }
    }
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS_JSON).expect("fixture is valid JSON")
}

fn first() -> Vector {
    vectors().valid.swap_remove(0)
}

fn verifier(secrets: &str) -> Verifier {
    Verifier::new(WebhookSecrets::parse(secrets).unwrap(), DEFAULT_TOLERANCE)
}

fn verifier_with_tolerance(secrets: &str, tolerance: Duration) -> Verifier {
    Verifier::new(WebhookSecrets::parse(secrets).unwrap(), tolerance)
}

/// Signs with the first key of `secrets` (a `WEBHOOK_SECRETS` string).
fn sign_with(secrets: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    sign(
        &WebhookSecrets::parse(secrets).unwrap().keys()[0],
        id,
        timestamp,
        body,
    )
}

/// Verifies a delivery against `secrets` with the clock at the signed `timestamp`.
fn verify_delivery(
    secrets: &str,
    id: &str,
    timestamp: i64,
    signature: &str,
    body: &[u8],
) -> Result<VerifiedDelivery, VerifyError> {
    let timestamp_text = timestamp.to_string();
    let headers = DeliveryHeaders {
        id: Some(id),
        timestamp: Some(&timestamp_text),
        signature: Some(signature),
    };
    verifier(secrets).verify(&headers, body, timestamp)
}
