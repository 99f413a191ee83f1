//! The webhook endpoints: `POST /hooks/auth` (Supabase Auth Hooks) and `POST /hooks/db`
//! (database events on `auth.users`). Verify the raw bytes, then hand over to processing.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::body::read_json_body;
use super::error::ApiError;
use super::outcome_headers::with_outcome;
use crate::domain::Source;
use crate::metrics::{DeliveryLabels, DuplicateLabels, Metrics};
use crate::processing::delivery::Delivery;
use crate::processing::group_commit::GroupCommit;
use crate::processing::spool::Spool;
use crate::processing::Outcome;
use crate::webhook::{DeliveryHeaders, Verifier};

/// What the webhook handlers share: how to verify, how much to read, where to store.
pub struct HookContext {
    pub verifier: Verifier,
    pub max_body_bytes: usize,
    /// Stores and applies deliveries in batches (group commit).
    pub group_commit: GroupCommit,
    /// Where deliveries go when the database cannot take them within the deadline.
    pub spool: Spool,
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
    let outcome = receive(Source::AuthHook, &request, payload, &context).await?;
    let response = match outcome.settled() {
        Outcome::UnsupportedHook(name) => HttpResponse::Ok().json(json!({
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
    Ok(with_outcome(response, &outcome))
}

/// Database events on `auth.users`. Events about anything else, and bodies that verified but
/// do not parse, are stored and answered 422.
pub async fn db_event(
    request: HttpRequest,
    payload: Payload,
    context: web::Data<HookContext>,
) -> Result<HttpResponse, ApiError> {
    let outcome = receive(Source::DbWebhook, &request, payload, &context).await?;
    match outcome.settled() {
        Outcome::UnsupportedChange => Err(ApiError::Unprocessable {
            code: "unsupported_event",
            message: "only INSERT, UPDATE and DELETE on auth.users are mirrored",
        }),
        Outcome::Unparsed => Err(ApiError::Unprocessable {
            code: "malformed_payload",
            message: "the payload is not a database event; it was stored as failed",
        }),
        _ => Ok(with_outcome(success(), &outcome)),
    }
}

/// Reads, verifies, stores and applies one delivery.
async fn receive(
    source: Source,
    request: &HttpRequest,
    payload: Payload,
    context: &HookContext,
) -> Result<Outcome, ApiError> {
    let metrics = &context.metrics;
    let rejected = |error: ApiError| {
        tracing::warn!(
            source = source.as_str(),
            reason = rejection_reason(&error),
            "delivery rejected"
        );
        metrics.rejected(rejection_reason(&error));
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
    let work = context
        .group_commit
        .submit(Delivery::parse(source, &delivery, body.clone()));
    let stored = metrics.apply_timed(source.as_str(), work).await;
    let outcome = match stored {
        Ok(outcome) => {
            tracing::info!(source = source.as_str(), webhook_id = %delivery.webhook_id, outcome = outcome_label(&outcome), "delivery stored");
            outcome
        }
        // Not in the database within the deadline: durable in the spool instead.
        Err(error) => match context.spool.append(source, &delivery, &body).await {
            Ok(()) => {
                tracing::warn!(source = source.as_str(), webhook_id = %delivery.webhook_id, outcome = outcome_label(&error.unstored), %error, "delivery spooled: the database did not take it in time");
                error.unstored
            }
            // Never block a signup for want of a record (design §2).
            Err(spool_error) if error.only_allows() => {
                tracing::error!(source = source.as_str(), %error, %spool_error, "before-user-created not recorded; signup allowed");
                Outcome::Allowed
            }
            Err(spool_error) => {
                // One line for this rejection, with the causes (`rejected` would log a second).
                let rejection = ApiError::Unavailable;
                tracing::error!(source = source.as_str(), reason = rejection.code(), %error, %spool_error, "delivery rejected: neither stored nor spooled; asking the sender to retry");
                metrics.rejected(rejection.code());
                return Err(rejection);
            }
        },
    };
    let label = outcome_label(&outcome);
    metrics
        .deliveries
        .get_or_create(&DeliveryLabels {
            source: source.as_str(),
            outcome: label,
        })
        .inc();
    if let Outcome::Duplicate(first) = &outcome {
        metrics
            .duplicates
            .get_or_create(&DuplicateLabels {
                source: source.as_str(),
                first_outcome: outcome_label(first),
            })
            .inc();
    }
    Ok(outcome)
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

fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Mirrored(effect) => effect.as_str(),
        Outcome::Failed { .. } => "failed",
        Outcome::Allowed => "allowed",
        Outcome::UnsupportedHook(_) => "unsupported_hook",
        Outcome::UnsupportedChange => "unsupported_change",
        Outcome::Unparsed => "unparsed",
        Outcome::Duplicate(_) => "duplicate",
        Outcome::Spooled => "spooled",
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
