//! Parsing, generating and redacting webhook secrets.

use base64::Engine as _;

use super::super::{SecretError, WebhookSecrets, BASE64};

const KEY_24: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn b64_of_len(len: usize) -> String {
    BASE64.encode(vec![7u8; len])
}

#[test]
fn supabase_format_is_parsed() {
    let secrets = WebhookSecrets::parse(&format!("v1,whsec_{KEY_24}")).unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets.keys()[0].expose(), BASE64.decode(KEY_24).unwrap());
}

#[test]
fn bare_whsec_is_parsed() {
    let secrets = WebhookSecrets::parse(&format!("whsec_{KEY_24}")).unwrap();
    assert_eq!(secrets.len(), 1);
}

#[test]
fn pipe_separated_entries_are_parsed_in_order() {
    let second = b64_of_len(32);
    let raw = format!("v1,whsec_{KEY_24}|whsec_{second}");
    let secrets = WebhookSecrets::parse(&raw).unwrap();
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets.keys()[1].expose(), &[7u8; 32][..]);
}

#[test]
fn whitespace_separated_entries_are_parsed() {
    let raw = format!("  v1,whsec_{KEY_24}\n whsec_{}\t| \n", b64_of_len(64));
    assert_eq!(WebhookSecrets::parse(&raw).unwrap().len(), 2);
}

#[test]
fn missing_padding_is_tolerated() {
    let padded = b64_of_len(32);
    assert!(padded.ends_with('='));
    let raw = format!("whsec_{}", padded.trim_end_matches('='));
    assert_eq!(
        WebhookSecrets::parse(&raw).unwrap().keys()[0].expose(),
        &[7u8; 32][..]
    );
}

#[test]
fn short_key_is_rejected_with_its_length() {
    let raw = format!("v1,whsec_{KEY_24}|v1,whsec_{}", b64_of_len(23));
    let err = WebhookSecrets::parse(&raw).unwrap_err();
    assert_eq!(err, SecretError::BadLength { entry: 2, len: 23 });
    assert_eq!(
        err.to_string(),
        "webhook secret entry 2 is 23 bytes (needs 24 to 64)"
    );
}

#[test]
fn long_key_is_rejected() {
    let err = WebhookSecrets::parse(&format!("whsec_{}", b64_of_len(65))).unwrap_err();
    assert_eq!(err, SecretError::BadLength { entry: 1, len: 65 });
}

#[test]
fn bad_base64_is_rejected_without_echoing_it() {
    let raw = "v1,whsec_not*base64!secret-text";
    let err = WebhookSecrets::parse(raw).unwrap_err();
    assert_eq!(err, SecretError::NotBase64 { entry: 1 });
    assert!(!err.to_string().contains("secret-text"));
}

#[test]
fn unknown_prefix_is_rejected_naming_the_entry() {
    for prefix in ["", "v2,whsec_", "v1,", "sk_", "v1a,whsec_"] {
        let raw = format!("whsec_{KEY_24}|{prefix}{KEY_24}");
        let err = WebhookSecrets::parse(&raw).unwrap_err();
        assert_eq!(err, SecretError::UnknownPrefix { entry: 2 }, "{prefix}");
        assert!(!err.to_string().contains(KEY_24));
    }
}

#[test]
fn empty_input_is_rejected() {
    for raw in ["", "   ", "|", " | \n|"] {
        assert_eq!(WebhookSecrets::parse(raw).unwrap_err(), SecretError::Empty);
    }
}

#[test]
fn debug_output_does_not_contain_the_key() {
    let secrets = WebhookSecrets::parse(&format!("v1,whsec_{KEY_24}")).unwrap();
    let key_bytes = format!("{:?}", secrets.keys()[0].expose());
    for shown in [format!("{secrets:?}"), format!("{:#?}", secrets.keys())] {
        assert!(shown.contains("REDACTED"), "{shown}");
        assert!(
            !shown.contains(KEY_24) && !shown.contains(&key_bytes),
            "{shown}"
        );
    }
    assert_eq!(format!("{:?}", secrets.keys()[0]), "WebhookKey([REDACTED])");
}

#[test]
fn generated_secret_parses_back_as_32_byte_key() {
    let raw = WebhookSecrets::generate();
    assert!(raw.starts_with("v1,whsec_"), "{raw}");
    let secrets = WebhookSecrets::parse(&raw).unwrap();
    assert_eq!(secrets.keys()[0].expose().len(), 32);
    assert_ne!(WebhookSecrets::generate(), raw);
}
