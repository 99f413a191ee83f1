//! Verifying and signing deliveries: `{id}.{timestamp}.{body}` under HMAC-SHA256.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::signature_header::{v1_macs, MAC_LEN};
use super::{WebhookKey, WebhookSecrets, BASE64};

/// Default allowed distance between the signed timestamp and now, in either direction.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Longest accepted `webhook-id`, in bytes.
pub const MAX_WEBHOOK_ID_LEN: usize = 256;

/// Most `version,signature` entries read from one `webhook-signature` header.
pub const MAX_SIGNATURE_ENTRIES: usize = 32;

/// Checks Standard Webhooks v1 signatures against the configured keys. Pure: no clock, no I/O.
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: WebhookSecrets,
    tolerance_secs: i128,
}

/// The three Standard Webhooks headers of a delivery, as received (`None` when absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryHeaders<'a> {
    /// `webhook-id`.
    pub id: Option<&'a str>,
    /// `webhook-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `webhook-signature`.
    pub signature: Option<&'a str>,
}

/// What a successful verification vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    /// The `webhook-id` (new on every Supabase retry: not an idempotency key).
    pub webhook_id: String,
    /// The signed timestamp, unix seconds.
    pub timestamp: i64,
}

/// Why a delivery was not accepted. Messages carry no header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// `webhook-id` is absent or empty.
    #[error("webhook-id header is missing or empty")]
    MissingId,
    /// `webhook-id` is longer than [`MAX_WEBHOOK_ID_LEN`] bytes.
    #[error("webhook-id header is too long")]
    MalformedId,
    /// `webhook-timestamp` is absent.
    #[error("webhook-timestamp header is missing")]
    MissingTimestamp,
    /// `webhook-signature` is absent.
    #[error("webhook-signature header is missing")]
    MissingSignature,
    /// `webhook-timestamp` is not a non-empty run of ASCII digits fitting in an `i64`.
    #[error("webhook-timestamp header is not unix seconds")]
    MalformedTimestamp,
    /// The timestamp is more than the tolerance in the past.
    #[error("webhook-timestamp is too old")]
    TimestampTooOld,
    /// The timestamp is more than the tolerance in the future.
    #[error("webhook-timestamp is too far in the future")]
    TimestampTooNew,
    /// No `v1` signature in the header matches any configured key.
    #[error("no valid signature")]
    NoValidSignature,
}

impl VerifyError {
    /// Short stable snake_case label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingId => "missing_id",
            Self::MalformedId => "malformed_id",
            Self::MissingTimestamp => "missing_timestamp",
            Self::MissingSignature => "missing_signature",
            Self::MalformedTimestamp => "malformed_timestamp",
            Self::TimestampTooOld => "stale_timestamp",
            Self::TimestampTooNew => "future_timestamp",
            Self::NoValidSignature => "no_valid_signature",
        }
    }
}

impl Verifier {
    /// A verifier accepting signatures by any of `secrets` with timestamps within
    /// `tolerance` of now (whole seconds; a fraction is ignored).
    pub fn new(secrets: WebhookSecrets, tolerance: Duration) -> Self {
        Self {
            secrets,
            tolerance_secs: i128::from(tolerance.as_secs()),
        }
    }

    /// Verifies one delivery. Pure: `now_unix` is injected (seconds since the epoch), header
    /// values are the raw header strings. Checks, in order: headers present, id, timestamp
    /// format, tolerance, then signatures (any `v1` entry matching any key).
    pub fn verify(
        &self,
        headers: &DeliveryHeaders<'_>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<VerifiedDelivery, VerifyError> {
        let id = headers
            .id
            .filter(|id| !id.is_empty())
            .ok_or(VerifyError::MissingId)?;
        let raw_timestamp = headers.timestamp.ok_or(VerifyError::MissingTimestamp)?;
        let signature = headers.signature.ok_or(VerifyError::MissingSignature)?;
        if id.len() > MAX_WEBHOOK_ID_LEN {
            return Err(VerifyError::MalformedId);
        }
        let timestamp = parse_timestamp(raw_timestamp)?;
        self.check_tolerance(timestamp, now_unix)?;

        // One MAC per key, then constant-time comparisons against every candidate. The
        // timestamp is signed as received, which is what the sender signed.
        let expected: Vec<[u8; MAC_LEN]> = self
            .secrets
            .keys()
            .iter()
            .map(|key| mac(key, id, raw_timestamp, body))
            .collect();
        let matched = v1_macs(signature, MAX_SIGNATURE_ENTRIES)
            .any(|candidate| expected.iter().any(|mac| bool::from(mac.ct_eq(&candidate))));
        if !matched {
            return Err(VerifyError::NoValidSignature);
        }
        Ok(VerifiedDelivery {
            webhook_id: id.to_owned(),
            timestamp,
        })
    }

    fn check_tolerance(&self, timestamp: i64, now_unix: i64) -> Result<(), VerifyError> {
        // i128 so that no pair of i64 values can overflow.
        let age = i128::from(now_unix) - i128::from(timestamp);
        if age > self.tolerance_secs {
            Err(VerifyError::TimestampTooOld)
        } else if -age > self.tolerance_secs {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        }
    }
}

/// Unix seconds written as ASCII digits only: no sign, fraction, space, or overflow.
fn parse_timestamp(raw: &str) -> Result<i64, VerifyError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedTimestamp);
    }
    raw.parse().map_err(|_| VerifyError::MalformedTimestamp)
}

/// Signs like Standard Webhooks: `v1,<base64(HMAC-SHA256(key, "{id}.{ts}.{body}"))>`.
pub fn sign(key: &WebhookKey, webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = mac(key, webhook_id, &timestamp.to_string(), body);
    format!("v1,{}", BASE64.encode(mac))
}

fn mac(key: &WebhookKey, id: &str, timestamp: &str, body: &[u8]) -> [u8; MAC_LEN] {
    // HMAC takes keys of any length, so this cannot fail whatever the input.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}
