//! The HTTP boundary's one error type and its one mapping to status codes and bodies.
//!
//! Every error body has Supabase's shape, `{"error":{"http_code":N,"message":"..."}}`, plus a
//! machine-readable `code`. 5xx bodies are generic; details go to the log.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::webhook::VerifyError;

/// Seconds Supabase should wait before retrying a delivery we could not store; it retries a
/// 503 only when this header is present.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The signature did not verify. One uniform answer whatever the reason (no oracle);
    /// the reason is logged and counted.
    #[error("invalid webhook signature ({})", .0.reason())]
    Unauthorized(VerifyError),
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    #[error("the request body could not be read")]
    UnreadableBody,
    /// The body did not arrive in full within `BODY_READ_TIMEOUT_MS`; the connection is
    /// closed after the answer.
    #[error("the request body did not arrive within {} ms", .timeout.as_millis())]
    BodyTimeout { timeout: Duration },
    /// Verified and stored, but not something this endpoint can apply.
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: &'static str,
    },
    #[error("no such route")]
    NotFound,
    /// The event could not be made durable; the sender should retry.
    #[error("the event could not be stored")]
    Unavailable,
}

impl ApiError {
    /// A stable snake_case label for logs, metrics and the body's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "invalid_signature",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::UnreadableBody => "unreadable_body",
            Self::BodyTimeout { .. } => "body_timeout",
            Self::Unprocessable { code, .. } => code,
            Self::NotFound => "not_found",
            Self::Unavailable => "unavailable",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            // The same text for every signature failure.
            Self::Unauthorized(_) => "invalid webhook signature".to_string(),
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(status);
        match self {
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
            }
            // The rest of the body may still be on its way: the connection cannot be reused.
            Self::BodyTimeout { .. } => {
                response.force_close();
            }
            _ => {}
        }
        response.json(json!({
            "error": { "http_code": status.as_u16(), "code": self.code(), "message": message }
        }))
    }
}
