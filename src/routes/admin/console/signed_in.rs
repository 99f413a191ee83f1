//! The `SignedIn` extractor: a console handler that takes it runs only with a valid session
//! cookie, and checks a form's CSRF token through it.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};

use super::session::{Session, COOKIE};
use super::ConsoleError;
use crate::routes::admin::AdminContext;

/// A request from a signed-in admin.
pub struct SignedIn {
    pub session: Session,
    /// This session's CSRF token, for the page's forms.
    pub csrf: String,
    key: [u8; 32],
}

impl SignedIn {
    /// Refuses a state-changing form without this session's CSRF token.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), ConsoleError> {
        match given {
            Some(given) if self.session.csrf_matches(&self.key, given) => Ok(()),
            _ => Err(ConsoleError::Csrf),
        }
    }
}

impl FromRequest for SignedIn {
    type Error = ConsoleError;
    type Future = Ready<Result<Self, ConsoleError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let context = request
            .app_data::<web::Data<AdminContext>>()
            .expect("the admin context is registered with the console");
        let key = *context.session_key();
        let session = request
            .cookie(COOKIE)
            .and_then(|cookie| Session::from_cookie(cookie.value(), &key, chrono::Utc::now()));
        ready(match session {
            Some(session) => Ok(Self {
                csrf: session.csrf_token(&key),
                session,
                key,
            }),
            None => Err(ConsoleError::SignedOut),
        })
    }
}
