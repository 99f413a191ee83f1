//! Property tests of the parsers that read untrusted text: the `webhook-signature` header and
//! `WEBHOOK_SECRETS`, and of verification itself. Each case is cheap; the case count is
//! proptest's (256 by default, `PROPTEST_CASES` to run longer: see RELIABILITY.md).

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use proptest::collection::vec;
use proptest::prelude::*;

use super::super::signature_header::v1_macs;
use super::super::{
    sign, DeliveryHeaders, SecretError, Verifier, VerifyError, WebhookSecrets,
    MAX_SIGNATURE_ENTRIES,
};

/// One `v1` entry of a signature header, written as a sender might: padded or not.
fn entry(mac: &[u8; 32], padded: bool) -> String {
    if padded {
        format!("v1,{}", STANDARD.encode(mac))
    } else {
        format!("v1,{}", STANDARD_NO_PAD.encode(mac))
    }
}

/// What separates entries: the spec's space, Supabase's comma and space, or worse.
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![" ", ", ", ",", "  ,\t", "\n"])
}

/// Entries a verifier must skip: other versions, and `v1` values that are not 32 bytes.
fn decoy() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(vec!["v1a", "v2", "V1", "v0"]),
            any::<[u8; 32]>()
        )
            .prop_map(|(version, mac)| format!("{version},{}", STANDARD.encode(mac))),
        vec(any::<u8>(), 0..48)
            .prop_filter("not 32 bytes", |bytes| bytes.len() != 32)
            .prop_map(|bytes| format!("v1,{}", STANDARD.encode(bytes))),
    ]
}

/// A key of an accepted length and the way its secret is written.
fn secret_entry() -> impl Strategy<Value = (Vec<u8>, String)> {
    (vec(any::<u8>(), 24..=64), any::<bool>(), any::<bool>()).prop_map(
        |(key, supabase_form, padded)| {
            let encoded = if padded {
                STANDARD.encode(&key)
            } else {
                STANDARD_NO_PAD.encode(&key)
            };
            let prefix = if supabase_form { "v1,whsec_" } else { "whsec_" };
            (key, format!("{prefix}{encoded}"))
        },
    )
}

proptest! {
    #[test]
    fn any_signature_header_is_read_without_panicking_and_boundedly(
        // Any text, and text made of the header's own characters (more near-misses).
        header in prop_oneof![".{0,600}", "[v12a, =+/A-Za-z0-9\t]{0,600}"],
    ) {
        let macs = v1_macs(&header, MAX_SIGNATURE_ENTRIES).count();
        prop_assert!(macs <= MAX_SIGNATURE_ENTRIES);
    }

    #[test]
    fn every_v1_mac_written_is_read_back_in_order(
        macs in vec((any::<[u8; 32]>(), any::<bool>()), 1..8),
        separator in separator(),
    ) {
        let header = macs
            .iter()
            .map(|(mac, padded)| entry(mac, *padded))
            .collect::<Vec<_>>()
            .join(separator);

        let read: Vec<[u8; 32]> = v1_macs(&header, MAX_SIGNATURE_ENTRIES).collect();

        prop_assert_eq!(read, macs.iter().map(|(mac, _)| *mac).collect::<Vec<_>>());
    }

    #[test]
    fn decoys_between_entries_change_nothing(
        mac in any::<[u8; 32]>(),
        before in vec(decoy(), 0..4),
        after in vec(decoy(), 0..4),
    ) {
        let mut entries = before.clone();
        entries.push(entry(&mac, true));
        entries.extend(after);

        let read: Vec<[u8; 32]> = v1_macs(&entries.join(", "), MAX_SIGNATURE_ENTRIES).collect();

        prop_assert_eq!(read, vec![mac]);
    }

    #[test]
    fn any_secrets_text_is_parsed_or_refused_without_quoting_it(raw in ".{0,200}") {
        if let Err(error) = WebhookSecrets::parse(&raw) {
            let message = error.to_string();
            for entry in raw.split(|c: char| c == '|' || c.is_whitespace()) {
                // Entries long enough not to match the message's own words by chance.
                if entry.len() >= 12 {
                    prop_assert!(!message.contains(entry), "{message}");
                }
            }
        }
    }

    #[test]
    fn secrets_written_in_either_form_give_their_keys_in_order(
        entries in vec(secret_entry(), 1..5),
        separator in prop::sample::select(vec!["|", " | ", "\n", " "]),
    ) {
        let raw = entries
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join(separator);

        let secrets = WebhookSecrets::parse(&raw).unwrap();

        let keys: Vec<&[u8]> = secrets.keys().iter().map(|key| key.expose()).collect();
        let expected: Vec<&[u8]> = entries.iter().map(|(key, _)| key.as_slice()).collect();
        prop_assert_eq!(keys, expected);
    }

    #[test]
    fn keys_of_another_length_are_refused_naming_their_entry(
        good in secret_entry(),
        bad in prop_oneof![vec(any::<u8>(), 1..24), vec(any::<u8>(), 65..100)],
    ) {
        let raw = format!("{}|v1,whsec_{}", good.1, STANDARD.encode(&bad));

        let error = WebhookSecrets::parse(&raw).unwrap_err();

        prop_assert_eq!(error, SecretError::BadLength { entry: 2, len: bad.len() });
    }

    #[test]
    fn what_is_signed_verifies_and_any_changed_byte_does_not(
        (key, secret) in secret_entry(),
        id in "[a-zA-Z0-9_]{1,64}",
        timestamp in 0i64..=4_102_444_800,
        body in vec(any::<u8>(), 0..512),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let secrets = WebhookSecrets::parse(&secret).unwrap();
        prop_assert_eq!(secrets.keys()[0].expose(), &key[..]);
        let verifier = Verifier::new(secrets.clone(), Duration::from_secs(300));
        let signature = sign(&secrets.keys()[0], &id, timestamp, &body);
        let timestamp_text = timestamp.to_string();
        let headers = DeliveryHeaders {
            id: Some(&id),
            timestamp: Some(&timestamp_text),
            signature: Some(&signature),
        };

        prop_assert!(verifier.verify(&headers, &body, timestamp).is_ok());
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(
                verifier.verify(&headers, &changed, timestamp),
                Err(VerifyError::NoValidSignature)
            );
        }
    }
}
