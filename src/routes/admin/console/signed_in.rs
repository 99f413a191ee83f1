//! The `SignedIn` extractor: a console handler that takes it runs only with a valid session
//! cookie whose session is still live in the database (not signed out, not idle too long),
//! and checks a form's CSRF token through it.

use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::session::{Session, COOKIE};
use super::ConsoleError;
use crate::routes::admin::AdminContext;
use crate::store::admin_sessions;

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
    type Future = LocalBoxFuture<'static, Result<Self, ConsoleError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let context = request
            .app_data::<web::Data<AdminContext>>()
            .expect("the admin context is registered with the console")
            .clone();
        let key = *context.session_key();
        let session = request
            .cookie(COOKIE)
            .and_then(|cookie| Session::from_cookie(cookie.value(), &key, chrono::Utc::now()));
        Box::pin(async move {
            // The signature first: a forged cookie costs no query.
            let session = session.ok_or(ConsoleError::SignedOut)?;
            let live =
                admin_sessions::touch(&context.pool, &session.digest(), context.session_idle)
                    .await?;
            if !live {
                return Err(ConsoleError::SignedOut);
            }
            Ok(Self {
                csrf: session.csrf_token(&key),
                session,
                key,
            })
        })
    }
}
