//! Webhook signing secrets: parsing Supabase's `v1,whsec_<base64>` list, generating new ones.

use std::fmt;
use std::ops::RangeInclusive;

use base64::Engine as _;
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretSlice};

use super::BASE64;

/// Accepted decoded key lengths, in bytes (Standard Webhooks: 24 to 64).
const KEY_LEN: RangeInclusive<usize> = 24..=64;

/// Length in bytes of keys made by [`WebhookSecrets::generate`].
const GENERATED_KEY_LEN: usize = 32;

/// One HMAC key, the base64-decoded part of a `whsec_` secret. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookKey(SecretSlice<u8>);

impl WebhookKey {
    /// The raw key bytes, for computing MACs only.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookKey([REDACTED])")
    }
}

/// The configured signing keys, in the order given; never empty. `Debug` redacts them.
#[derive(Clone)]
pub struct WebhookSecrets {
    keys: Vec<WebhookKey>,
}

impl fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("len", &self.keys.len())
            .field("keys", &format_args!("[REDACTED]"))
            .finish()
    }
}

/// Why `WEBHOOK_SECRETS` could not be parsed. Messages name the 1-based entry position and
/// never contain any part of the secret text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No entry at all (empty or only separators).
    #[error("no webhook secret given (expected `v1,whsec_<base64>` entries separated by `|`)")]
    Empty,
    /// The entry starts with neither `v1,whsec_` nor `whsec_`.
    #[error(
        "webhook secret entry {entry} has an unknown prefix (expected `v1,whsec_` or `whsec_`)"
    )]
    UnknownPrefix {
        /// 1-based position of the entry.
        entry: usize,
    },
    /// The part after `whsec_` is not standard base64.
    #[error("webhook secret entry {entry} is not valid base64 after `whsec_`")]
    NotBase64 {
        /// 1-based position of the entry.
        entry: usize,
    },
    /// The decoded key is shorter than 24 or longer than 64 bytes.
    #[error("webhook secret entry {entry} is {len} bytes (needs 24 to 64)")]
    BadLength {
        /// 1-based position of the entry.
        entry: usize,
        /// Decoded key length in bytes.
        len: usize,
    },
}

// A non-empty list by construction, so `is_empty` would always be false.
#[allow(clippy::len_without_is_empty)]
impl WebhookSecrets {
    /// Parses `WEBHOOK_SECRETS` in Supabase's format: `v1,whsec_<base64>` entries separated by
    /// `|`; also accepts bare `whsec_<base64>` and whitespace (spaces, newlines) as separators.
    /// The key is the base64-decoded part (padding optional), 24 to 64 bytes.
    pub fn parse(raw: &str) -> Result<Self, SecretError> {
        let keys = raw
            .split(|c: char| c == '|' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .enumerate()
            .map(|(index, entry)| parse_entry(index + 1, entry))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { keys })
    }

    /// Number of keys (at least one).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// A fresh secret in Supabase's format, `v1,whsec_<base64 of 32 random bytes>`.
    pub fn generate() -> String {
        let mut key = [0u8; GENERATED_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        format!("v1,whsec_{}", BASE64.encode(key))
    }

    /// The keys, in configuration order.
    pub fn keys(&self) -> &[WebhookKey] {
        &self.keys
    }
}

fn parse_entry(entry: usize, text: &str) -> Result<WebhookKey, SecretError> {
    let encoded = text
        .strip_prefix("v1,whsec_")
        .or_else(|| text.strip_prefix("whsec_"))
        .ok_or(SecretError::UnknownPrefix { entry })?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| SecretError::NotBase64 { entry })?;
    if !KEY_LEN.contains(&bytes.len()) {
        return Err(SecretError::BadLength {
            entry,
            len: bytes.len(),
        });
    }
    Ok(WebhookKey(SecretSlice::from(bytes)))
}
