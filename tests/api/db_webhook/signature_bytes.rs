//! What sql/db-webhook.sql signs is exactly what pg_net sends: the UTF-8 bytes of the jsonb
//! body's text rendering (checked with an HMAC computed here, not the service's code).

use super::{install_db_webhook, recorded_after, relay, Recorded, T1};
use crate::helpers::{as_auth_admin, spawn_app, Signup};

/// The `v1` MAC of Standard Webhooks over `id.timestamp.body`, computed here with the `hmac`
/// crate from the secret's text (not with the service's signing code).
fn standard_webhooks_mac(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let base64 = base64::engine::general_purpose::STANDARD;
    let key = base64
        .decode(
            secret
                .trim_start_matches("v1,")
                .trim_start_matches("whsec_"),
        )
        .expect("base64 key");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", base64.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn db_webhook_signatures_cover_exactly_the_bytes_pg_net_sends() {
    let app = spawn_app().await;
    install_db_webhook(&app).await;
    let signup = Signup {
        user_metadata: r#"{"name": "Zoë Ω", "team": {"z": 1, "a": [true, null]}}"#,
        ..Signup::email("zoe@example.com", T1)
    };

    as_auth_admin(&app.database.pool, &signup.sql()).await;

    let requests = recorded_after(&app.database.pool, 0).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    // PostgreSQL's jsonb text rendering, not a compact serialisation: `": "` and `, `.
    assert!(
        request.text().contains(r#""type": "INSERT""#),
        "{}",
        request.text()
    );
    assert!(request.text().contains("Zoë Ω"), "{}", request.text());
    let header = |name: &str| request.headers[name].as_str().expect(name).to_owned();
    let expected = standard_webhooks_mac(
        &app.secrets,
        &header("webhook-id"),
        &header("webhook-timestamp"),
        &request.body,
    );
    assert_eq!(header("webhook-signature"), expected);
    // Other bytes for the same JSON (as a client re-serialising it would send) do not verify.
    let compact =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&request.body).unwrap())
            .unwrap();
    assert_ne!(compact, request.body);
    let reserialised = Recorded {
        id: request.id,
        url: request.url.clone(),
        body: compact,
        headers: request.headers.clone(),
    };
    assert_eq!(relay(&app, &reserialised).await.status(), 401);
    assert_eq!(relay(&app, request).await.status(), 200);
}
