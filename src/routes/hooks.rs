//! The webhook endpoints: `POST /hooks/auth` (Supabase Auth Hooks) and `POST /hooks/db`
//! (database events on `auth.users`). Verify the raw bytes, then hand over to processing.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::body::read_json_body;
use super::error::ApiError;
use super::outcome_headers::with_received;
use crate::domain::Source;
use crate::metrics::Metrics;
use crate::processing::intake::{Intake, Received};
use crate::processing::Outcome;
use crate::webhook::{DeliveryHeaders, Verifier};

/// What the webhook handlers share: how to verify, how much to read, where to hand over.
pub struct HookContext {
    pub verifier: Verifier,
    pub max_body_bytes: usize,
    /// Stores (or spools) verified deliveries.
    pub intake: Intake,
    pub metrics: web::Data<Metrics>,
}

/// Supabase Auth Hooks. Every stored event is answered `200 {}` (Supabase's success), except
/// hooks this service does not implement, which get Supabase's error object so the
/// misconfiguration shows instead of silently "succeeding".
pub async fn auth_hook(
    request: HttpRequest,
    payload: Payload,
    context: web::Data<HookContext>,
) -> Result<HttpResponse, ApiError> {
    let received = receive(Source::AuthHook, &request, payload, &context).await?;
    let response = match received.answer() {
        Some(Outcome::UnsupportedHook(name)) => HttpResponse::Ok().json(json!({
            "error": {
                "http_code": 500,
                "message": format!(
                    "auth-mirror does not implement the {name} hook; \
                     point it at after-user-created or before-user-created only"
                ),
            }
        })),
        _ => success(),
    };
    Ok(with_received(response, &received))
}

/// Database events on `auth.users`. Events about anything else, and bodies that verified but
/// do not parse, are stored and answered 422.
pub async fn db_event(
    request: HttpRequest,
    payload: Payload,
    context: web::Data<HookContext>,
) -> Result<HttpResponse, ApiError> {
    let received = receive(Source::DbWebhook, &request, payload, &context).await?;
    match received.answer() {
        Some(Outcome::UnsupportedChange) => Err(ApiError::Unprocessable {
            code: "unsupported_event",
            message: "only INSERT, UPDATE and DELETE on auth.users are mirrored",
        }),
        Some(Outcome::Unparsed) => Err(ApiError::Unprocessable {
            code: "malformed_payload",
            message: "the payload is not a database event; it was stored as failed",
        }),
        _ => Ok(with_received(success(), &received)),
    }
}

/// Reads and verifies one delivery and hands it to the intake; a delivery the intake refused
/// is a `503` (which Supabase retries).
async fn receive(
    source: Source,
    request: &HttpRequest,
    payload: Payload,
    context: &HookContext,
) -> Result<Received, ApiError> {
    let rejected = |error: ApiError| {
        let reason = rejection_reason(&error);
        tracing::warn!(source = source.as_str(), reason, "delivery rejected");
        context.metrics.rejected(reason);
        error
    };
    let body = read_json_body(request, payload, context.max_body_bytes)
        .await
        .map_err(rejected)?;
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let headers = DeliveryHeaders {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
    };
    let delivery = context
        .verifier
        .verify(&headers, &body, unix_now())
        .map_err(|error| rejected(ApiError::Unauthorized(error)))?;
    match context.intake.receive(source, &delivery, body).await {
        // The intake has logged and counted it.
        Received::Refused => Err(ApiError::Unavailable),
        received => Ok(received),
    }
}

/// Supabase Auth's success answer: a JSON `{}` (an empty 200 body fails the user's request).
fn success() -> HttpResponse {
    HttpResponse::Ok().json(json!({}))
}

fn rejection_reason(error: &ApiError) -> &'static str {
    match error {
        ApiError::Unauthorized(reason) => reason.reason(),
        other => other.code(),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
