//! The admin API under `/admin`: registered only when `ADMIN_TOKEN` is set (otherwise every
//! `/admin` path is the service's JSON 404), and every route behind the bearer token; and
//! the admin console for browsers at `/admin/` (`console/`), behind a session cookie.

mod auth;
mod console;
mod error;
mod events;
pub mod openapi;
mod quarantine;
mod reconcile;
mod replay;
// What the JSON API and the console both answer, read from the store.
mod service;
mod stats;

use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::web;

pub use auth::AdminContext;
pub use error::AdminError;

/// The admin routes, when the admin API is enabled.
pub fn configure(config: &mut web::ServiceConfig, context: Option<web::Data<AdminContext>>) {
    let Some(context) = context else {
        return;
    };
    // First: the JSON API's `/admin` scope would otherwise answer the console's paths.
    config.configure(console::configure);
    config.app_data(context).service(
        web::scope("/admin")
            .app_data(
                web::QueryConfig::default().error_handler(|e, _| error::query_error(e).into()),
            )
            .app_data(web::JsonConfig::default().error_handler(|e, _| error::json_error(e).into()))
            .app_data(web::PathConfig::default().error_handler(|_, _| AdminError::InvalidId.into()))
            .wrap(from_fn(auth::require_token))
            // Outermost, so every answer gets them, refusals included: the answers carry
            // personal data (payloads, user ids) that no cache may keep, and are JSON only.
            .wrap(
                DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "no-store"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
            )
            .route("/events", web::get().to(events::list))
            .route("/events/replay", web::post().to(replay::replay_bulk))
            .route("/events/{id}", web::get().to(events::show))
            .route("/events/{id}/replay", web::post().to(replay::replay_one))
            .route("/events/{id}/payload", web::delete().to(events::expunge))
            .route("/reconcile", web::post().to(reconcile::start))
            .route("/reconcile", web::get().to(reconcile::latest))
            .route("/reconcile/{id}", web::get().to(reconcile::show))
            .route("/spool/quarantine", web::get().to(quarantine::list))
            .route(
                "/spool/quarantine/{name}/replay",
                web::post().to(quarantine::replay),
            )
            .route("/stats", web::get().to(stats::stats))
            .route("/trigger-errors", web::get().to(stats::trigger_errors))
            .route("/openapi.json", web::get().to(openapi::document))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<actix_web::HttpResponse, AdminError> {
    Err(AdminError::NotFound)
}
