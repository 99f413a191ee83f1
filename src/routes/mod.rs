//! The HTTP layer: the route table, handlers and the mapping of errors to responses.

pub mod admin;
mod body;
mod body_guard;
mod error;
mod health;
mod hooks;
mod metrics;
mod observe;

use actix_web::web;

pub use admin::AdminContext;
pub use body_guard::{guard_body, BodyReadTimeout};
pub use error::ApiError;
pub use hooks::HookContext;
pub use observe::observe;

/// The whole route table.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/hooks/auth", web::post().to(hooks::auth_hook))
        .route("/hooks/db", web::post().to(hooks::db_event))
        .default_service(web::to(not_found));
}

/// Anything else, including a wrong method on a known path: a JSON 404.
async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
