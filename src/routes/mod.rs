//! The HTTP layer: the route table, handlers and the mapping of errors to responses.

pub mod admin;
mod body;
mod body_guard;
pub mod client_address;
mod error;
mod health;
mod hooks;
mod metrics;
mod observe;
mod outcome_headers;
mod request_span;

use actix_web::web;

pub use admin::AdminContext;
pub use body_guard::BodyReadTimeout;
pub use error::ApiError;
pub use hooks::HookContext;
pub use metrics::metrics_server;
pub use observe::observe;

/// The whole route table of the public port; `/metrics` only with `metrics_on_public_port`
/// (`METRICS_ON_PUBLIC_PORT`), else it has a port of its own (`metrics_server`).
pub fn configure(config: &mut web::ServiceConfig, metrics_on_public_port: bool) {
    if metrics_on_public_port {
        config.route("/metrics", web::get().to(metrics::metrics));
    }
    config
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/hooks/auth", web::post().to(hooks::auth_hook))
        .route("/hooks/db", web::post().to(hooks::db_event))
        .default_service(web::to(not_found));
}

/// Anything else, including a wrong method on a known path: a JSON 404.
async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
