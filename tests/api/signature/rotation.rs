//! Key rotation: Supabase sends one signature per configured secret, joined with `", "` (the
//! spec joins them with a space); any `v1` signature matching any configured key is enough.

use auth_mirror::webhook::WebhookSecrets;

use super::{
    assert_accepted, assert_nothing_stored, assert_unauthorized, headers, new_id, new_user_hook,
    sign_text, signed_now, ENDPOINTS,
};
use crate::helpers::{spawn_app, spawn_app_with_secrets, unix_now};

/// Two fresh secrets, `v1,whsec_A` and `v1,whsec_B`.
fn two_secrets() -> (String, String) {
    (WebhookSecrets::generate(), WebhookSecrets::generate())
}

#[tokio::test]
async fn a_correctly_signed_delivery_is_accepted_on_both_endpoints() {
    let app = spawn_app().await;
    let hook = new_user_hook();
    let event = crate::payloads::db_event(
        "INSERT",
        Some(crate::payloads::auth_row(
            uuid::Uuid::new_v4(),
            Some("ada@example.com"),
            "2024-05-01T10:00:00.123456+00:00",
        )),
        None,
    );

    for (path, body) in [("/hooks/auth", hook), ("/hooks/db", event)] {
        let response = app
            .post_with_headers(path, &signed_now(&app.secrets, &body), body)
            .await;

        assert_accepted(response).await;
    }
    assert_eq!(app.events().await.len(), 2);
}

#[tokio::test]
async fn deliveries_signed_by_either_of_two_configured_keys_are_accepted() {
    let (a, b) = two_secrets();
    let app = spawn_app_with_secrets(&format!("{a}|{b}")).await;

    for secret in [&a, &b] {
        let body = new_user_hook();
        let response = app
            .post_with_headers("/hooks/auth", &signed_now(secret, &body), body)
            .await;

        assert_accepted(response).await;
    }
    assert_eq!(app.events().await.len(), 2);
}

#[tokio::test]
async fn both_signatures_in_one_header_are_accepted_in_the_spec_and_supabase_forms() {
    let (a, b) = two_secrets();
    let app = spawn_app_with_secrets(&format!("{a}|{b}")).await;

    for separator in [" ", ", "] {
        let body = new_user_hook();
        let (id, timestamp) = (new_id(), unix_now().to_string());
        let signature = [&a, &b]
            .map(|secret| sign_text(secret, &id, &timestamp, &body))
            .join(separator);
        let response = app
            .post_with_headers("/hooks/auth", &headers(&id, &timestamp, &signature), body)
            .await;

        assert_accepted(response).await;
    }
    assert_eq!(app.events().await.len(), 2);
}

#[tokio::test]
async fn a_supabase_two_signature_header_is_accepted_by_an_app_holding_either_key_alone() {
    let (a, b) = two_secrets();
    let only_a = spawn_app_with_secrets(&a).await;
    let only_b = spawn_app_with_secrets(&b).await;

    for app in [&only_a, &only_b] {
        let body = new_user_hook();
        let (id, timestamp) = (new_id(), unix_now().to_string());
        // Supabase's form, B's signature first: the app holding A must look past it.
        let signature = format!(
            "{}, {}",
            sign_text(&b, &id, &timestamp, &body),
            sign_text(&a, &id, &timestamp, &body)
        );
        let response = app
            .post_with_headers("/hooks/auth", &headers(&id, &timestamp, &signature), body)
            .await;

        assert_accepted(response).await;
        assert_eq!(app.events().await.len(), 1);
    }
}

#[tokio::test]
async fn entries_of_other_versions_before_the_valid_one_are_skipped() {
    let app = spawn_app().await;
    let body = new_user_hook();
    let (id, timestamp) = (new_id(), unix_now().to_string());
    let valid = sign_text(&app.secrets, &id, &timestamp, &body);
    let mac = valid.strip_prefix("v1,").unwrap();
    // Decoys: an unknown version carrying garbage, and one carrying the valid MAC.
    let signature = format!("v1a,not*base64 v2,{mac}, {valid}");

    let response = app
        .post_with_headers("/hooks/auth", &headers(&id, &timestamp, &signature), body)
        .await;

    assert_accepted(response).await;
    assert_eq!(app.events().await.len(), 1);
}

#[tokio::test]
async fn a_valid_mac_under_another_version_is_not_a_v1_signature() {
    let app = spawn_app().await;

    for path in ENDPOINTS {
        let body = new_user_hook();
        let (id, timestamp) = (new_id(), unix_now().to_string());
        let valid = sign_text(&app.secrets, &id, &timestamp, &body);
        let mac = valid.strip_prefix("v1,").unwrap();
        let signature = format!("v1a,{mac} v2,{mac}");

        let response = app
            .post_with_headers(path, &headers(&id, &timestamp, &signature), body)
            .await;

        assert_unauthorized(response).await;
    }
    assert_nothing_stored(&app).await;
}
