//! The console's one error type and its one mapping to responses: an HTML page with the
//! status (or, when signed out, a redirect to the sign-in form). Details of a database
//! failure go to the log only.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use maud::html;

use super::layout;
use crate::admin::InputError;
use crate::routes::admin::AdminError;

/// Why a console request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session cookie, or one that is forged or expired.
    #[error("sign in first")]
    SignedOut,
    /// A state-changing form without this session's CSRF token.
    #[error("the form's CSRF token is missing or wrong; reload the page and try again")]
    Csrf,
    #[error("no such page")]
    NotFound,
    #[error("{0}")]
    BadForm(String),
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<InputError> for ConsoleError {
    fn from(error: InputError) -> Self {
        Self::Admin(error.into())
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(error: sqlx::Error) -> Self {
        Self::Admin(error.into())
    }
}

impl ConsoleError {
    fn code(&self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Csrf => "csrf",
            Self::NotFound => "not_found",
            Self::BadForm(_) => "invalid_form",
            Self::Admin(error) => error.code(),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignedOut => StatusCode::SEE_OTHER,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::Admin(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::SignedOut = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, super::SIGN_IN))
                .finish();
        }
        tracing::warn!(target: "audit", code = self.code(), status = status.as_u16(), "admin console request refused");
        let body = html! {
            p.notice.bad role="alert" { (self) }
            p { a href=(super::OVERVIEW) { "Back to the console" } }
        };
        layout::respond(
            status,
            &layout::page(status.canonical_reason().unwrap_or("Error"), None, body),
        )
    }
}
