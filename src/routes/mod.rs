//! The HTTP layer: the route table, handlers and the mapping of errors to responses.

mod body;
mod error;
mod health;
mod hooks;
mod metrics;

use actix_web::web;

pub use error::ApiError;
pub use hooks::HookContext;

/// The whole route table.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/hooks/auth", web::post().to(hooks::auth_hook))
        .route("/hooks/db", web::post().to(hooks::db_event));
}
