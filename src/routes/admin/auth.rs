//! The admin API's bearer token: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant
//! time (digests of equal length, so not even the token's length leaks).

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::web;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use super::AdminError;
use crate::metrics::Metrics;
use crate::processing::schedule::RetrySchedule;
use crate::reconcile::runs::Runs;

/// What the admin handlers share.
pub struct AdminContext {
    token_digest: [u8; 32],
    /// Signs the console's session cookies: derived from the token, so that rotating the
    /// token ends every session.
    session_key: [u8; 32],
    pub pool: PgPool,
    pub schedule: RetrySchedule,
    pub metrics: Arc<Metrics>,
    /// Reconciles started by `POST /admin/reconcile`; shutdown stops them.
    pub reconciles: Runs,
}

impl AdminContext {
    /// What the admin handlers share; only a digest of the token is kept.
    pub fn new(
        token: &SecretString,
        pool: PgPool,
        schedule: RetrySchedule,
        metrics: Arc<Metrics>,
        reconciles: Runs,
    ) -> Self {
        Self {
            token_digest: Sha256::digest(token.expose_secret().as_bytes()).into(),
            session_key: session_key(token),
            pool,
            schedule,
            metrics,
            reconciles,
        }
    }

    /// Whether an `Authorization` header value carries the admin token.
    fn authorizes(&self, header: Option<&str>) -> bool {
        let Some((scheme, token)) = header.and_then(|value| value.split_once(' ')) else {
            return false;
        };
        scheme.eq_ignore_ascii_case("bearer") && self.accepts(token.trim())
    }

    /// Whether `token` is the admin token, compared in constant time.
    pub(super) fn accepts(&self, token: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        bool::from(given.ct_eq(&self.token_digest))
    }

    /// The key of the console's session cookies and CSRF tokens.
    pub(super) fn session_key(&self) -> &[u8; 32] {
        &self.session_key
    }
}

fn session_key(token: &SecretString) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"auth-mirror admin console session v1");
    mac.finalize().into_bytes().into()
}

/// Lets a request through only with the admin token.
pub(super) async fn require_token(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let context = request
        .app_data::<web::Data<AdminContext>>()
        .expect("the admin context is registered with the admin routes");
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !context.authorizes(header) {
        return Err(AdminError::Unauthorized.into());
    }
    next.call(request).await
}
