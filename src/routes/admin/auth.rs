//! The admin API's bearer token: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant
//! time (digests of equal length, so not even the token's length leaks), behind the throttle
//! of failed admin authentications (`crate::throttle`), which the console's sign-in shares.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use super::AdminError;
use crate::config::{AdminToken, CookiePolicy, SecurityConfig};
use crate::domain::RetrySchedule;
use crate::metrics::Metrics;
use crate::reconcile::runs::Runs;
use crate::routes::client_address::client_address;
use crate::throttle::{FailureThrottle, Throttled};

/// What the admin handlers share.
pub struct AdminContext {
    token_digest: [u8; 32],
    /// Signs the console's session cookies: derived from the token, so that rotating the
    /// token ends every session.
    session_key: [u8; 32],
    /// Failed tokens, per client address and overall.
    throttle: FailureThrottle,
    /// Whether the console's cookie is `Secure` (`SECURE_COOKIES`).
    pub cookies: CookiePolicy,
    /// A console session unused this long is over (`ADMIN_SESSION_IDLE_TIMEOUT`).
    pub session_idle: Duration,
    pub pool: PgPool,
    pub schedule: RetrySchedule,
    pub metrics: Arc<Metrics>,
    /// Reconciles started by `POST /admin/reconcile`; shutdown stops them.
    pub reconciles: Runs,
}

/// Where an admin token was presented, as the metrics label it.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Bearer,
    SignIn,
}

impl AdminContext {
    /// What the admin handlers share; only a digest of the token is kept.
    pub fn new(
        token: &AdminToken,
        security: &SecurityConfig,
        pool: PgPool,
        schedule: RetrySchedule,
        metrics: Arc<Metrics>,
        reconciles: Runs,
    ) -> Self {
        Self {
            token_digest: Sha256::digest(token.secret().expose_secret().as_bytes()).into(),
            session_key: session_key(token),
            throttle: FailureThrottle::new(security.throttle),
            cookies: security.cookies,
            session_idle: security.session_idle,
            pool,
            schedule,
            metrics,
            reconciles,
        }
    }

    /// Checks `token`, presented `via` the bearer header or the sign-in form by the client
    /// of `request`: refused unchecked while that client (or everyone) is throttled; a wrong
    /// token spends from the throttle's budgets.
    pub(super) fn authenticate(
        &self,
        request: &HttpRequest,
        token: &str,
        via: Via,
    ) -> Result<(), Refused> {
        let address = client_address(request).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let label = match via {
            Via::Bearer => "bearer",
            Via::SignIn => "sign_in",
        };
        if let Err(throttled) = self.throttle.admit(address, Instant::now()) {
            self.metrics.admin_auth_refused(label, "throttled");
            return Err(Refused::Throttled(throttled));
        }
        if self.accepts(token) {
            self.throttle.succeeded(address, Instant::now());
            Ok(())
        } else {
            self.throttle.failed(address, Instant::now());
            self.metrics.admin_auth_refused(label, "wrong_token");
            Err(Refused::WrongToken)
        }
    }

    /// Whether `token` is the admin token, compared in constant time.
    fn accepts(&self, token: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        bool::from(given.ct_eq(&self.token_digest))
    }

    /// The key of the console's session cookies and CSRF tokens.
    pub(super) fn session_key(&self) -> &[u8; 32] {
        &self.session_key
    }
}

/// Why a presented token was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    WrongToken,
    /// Too many failures lately; not even looked at.
    Throttled(Throttled),
}

impl From<Refused> for AdminError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::WrongToken => Self::Unauthorized,
            Refused::Throttled(throttled) => Self::TooManyAttempts(throttled.retry_after_seconds()),
        }
    }
}

fn session_key(token: &AdminToken) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.secret().expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"auth-mirror admin console session v1");
    mac.finalize().into_bytes().into()
}

/// Lets a request through only with the admin token. A refusal is answered here (not
/// returned as an error) so the scope's headers still go on it.
pub(super) async fn require_token(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let context = request
        .app_data::<web::Data<AdminContext>>()
        .expect("the admin context is registered with the admin routes");
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token);
    // No bearer at all is not a guess: refused without spending from the throttle.
    let checked = match bearer {
        Some(token) => context
            .authenticate(request.request(), token, Via::Bearer)
            .map_err(AdminError::from),
        None => Err(AdminError::Unauthorized),
    };
    match checked {
        Ok(()) => Ok(next.call(request).await?.map_into_left_body()),
        Err(error) => Ok(request.error_response(error).map_into_right_body()),
    }
}
