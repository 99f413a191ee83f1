//! Standard Webhooks v1 signature verification, in Supabase's dialect; pure, no I/O.
//!
//! Supabase writes secrets as `v1,whsec_<base64>` and joins several signatures with
//! `", "`; the published Standard Webhooks crates handle neither, hence this module.

mod secret;
mod signature_header;
mod verify;

#[cfg(test)]
mod tests;

pub use secret::{SecretError, WebhookKey, WebhookSecrets};
pub use verify::{
    sign, DeliveryHeaders, VerifiedDelivery, Verifier, VerifyError, DEFAULT_TOLERANCE,
    MAX_SIGNATURE_ENTRIES, MAX_WEBHOOK_ID_LEN,
};

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard base64 that writes padding and accepts input with or without it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
