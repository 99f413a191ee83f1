//! The admin API's one error type and its one mapping to status codes and JSON bodies (the
//! same shape as every other error of the service: `{"error":{"http_code","code","message"}}`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::admin::InputError;
use crate::processing::replay::ReplayError;
use crate::reconcile::ReconcileError;

/// Why an admin call was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No `Authorization: Bearer <ADMIN_TOKEN>`, or another token.
    #[error("a valid admin bearer token is required")]
    Unauthorized,
    /// Too many wrong admin tokens lately, from this client or from everyone: the token was
    /// not looked at. Try again after this many seconds.
    #[error("too many wrong admin tokens; try again in {0} s")]
    TooManyAttempts(u64),
    #[error("no such route")]
    NotFound,
    #[error("no event has this id")]
    EventNotFound,
    #[error("the event id must be a positive whole number")]
    InvalidId,
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    InvalidBody(String),
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    /// The payload was expunged: there is nothing left to apply.
    #[error("the event's payload was expunged; it cannot be replayed")]
    PayloadExpunged,
    #[error("batch_size must be a whole number from 1 to 100000")]
    InvalidBatchSize,
    /// Another reconcile of this database runs (here or on another instance).
    #[error(
        "a reconcile of this database is already running; poll it or try again when it is done"
    )]
    ReconcileRunning,
    #[error("this database has no auth.users (a separate app database): reconcile it with `auth-mirror reconcile --from admin-api`")]
    AuthUsersMissing,
    #[error("no reconcile with this id was started on this instance")]
    ReconcileNotFound,
    /// The database failed; details are in the log only.
    #[error("the database is unavailable")]
    Unavailable,
}

impl AdminError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::TooManyAttempts(_) => "too_many_attempts",
            Self::NotFound => "not_found",
            Self::EventNotFound => "event_not_found",
            Self::InvalidId => "invalid_id",
            Self::Input(input) => input.code(),
            Self::InvalidBody(_) => "invalid_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadExpunged => "payload_expunged",
            Self::InvalidBatchSize => "invalid_batch_size",
            Self::ReconcileRunning => "reconcile_running",
            Self::AuthUsersMissing => "auth_users_missing",
            Self::ReconcileNotFound => "reconcile_not_found",
            Self::Unavailable => "unavailable",
        }
    }
}

impl From<sqlx::Error> for AdminError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "admin API: database error");
        Self::Unavailable
    }
}

impl From<ReplayError> for AdminError {
    fn from(error: ReplayError) -> Self {
        match error {
            ReplayError::NotFound => Self::EventNotFound,
            ReplayError::Expunged => Self::PayloadExpunged,
            ReplayError::Database(error) => error.into(),
        }
    }
}

impl From<ReconcileError> for AdminError {
    fn from(error: ReconcileError) -> Self {
        match error {
            ReconcileError::AlreadyRunning(_) => Self::ReconcileRunning,
            ReconcileError::NoAuthUsers => Self::AuthUsersMissing,
            error => {
                tracing::error!(%error, "admin API: cannot start a reconcile");
                Self::Unavailable
            }
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound | Self::EventNotFound | Self::ReconcileNotFound => StatusCode::NOT_FOUND,
            Self::InvalidId | Self::Input(_) | Self::InvalidBody(_) | Self::InvalidBatchSize => {
                StatusCode::BAD_REQUEST
            }
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadExpunged | Self::ReconcileRunning | Self::AuthUsersMissing => {
                StatusCode::CONFLICT
            }
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        tracing::warn!(target: "audit", code = self.code(), status = status.as_u16(), "admin call refused");
        let mut response = HttpResponse::build(status);
        match self {
            Self::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyAttempts(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
        response.json(json!({
            "error": { "http_code": status.as_u16(), "code": self.code(), "message": self.to_string() }
        }))
    }
}

/// A JSON body error: serde's text names fields but can also quote values, so only the
/// messages about fields are kept.
pub fn json_error(error: actix_web::error::JsonPayloadError) -> AdminError {
    use actix_web::error::JsonPayloadError;
    match error {
        JsonPayloadError::ContentType => AdminError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(error) => {
            AdminError::InvalidBody(describe(&error.to_string()))
        }
        _ => AdminError::InvalidBody("the body must be a JSON object".into()),
    }
}

/// A query string error, described without echoing values.
pub fn query_error(error: actix_web::error::QueryPayloadError) -> AdminError {
    AdminError::Input(InputError::UnknownParameter(describe(&error.to_string())))
}

pub(super) fn describe(message: &str) -> String {
    let field_message =
        message.starts_with("unknown field") || message.starts_with("missing field");
    if field_message {
        // "unknown field `x`, expected one of ..." : keep the part naming the field.
        message
            .split(", expected")
            .next()
            .unwrap_or(message)
            .to_owned()
    } else {
        "a field has an unexpected type or value".to_owned()
    }
}
