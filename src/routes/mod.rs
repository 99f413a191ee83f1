//! The HTTP layer: the route table, handlers and the mapping of errors to responses.

mod health;

use actix_web::web;

/// The whole route table.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
