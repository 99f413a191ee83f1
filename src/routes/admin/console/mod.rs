//! The admin console: server-rendered HTML pages at `/admin/` for people, on the same
//! services as the JSON admin API. Signed in with the admin token, kept by a signed session
//! cookie (never a bearer for the JSON API), every form works without JavaScript and every
//! state-changing one carries a CSRF token.

mod bulk;
mod chart;
mod error;
mod event;
mod events;
mod filters;
mod layout;
mod overview;
mod quarantine;
mod session;
mod sign_in;
mod signed_in;

use actix_web::web;

pub use error::ConsoleError;
use signed_in::SignedIn;

/// The overview page.
pub const OVERVIEW: &str = "/admin/";
/// The sign-in form.
pub const SIGN_IN: &str = "/admin/console/sign-in";
const SIGN_OUT: &str = "/admin/console/sign-out";
const EVENTS: &str = "/admin/console/events";
const QUARANTINE: &str = "/admin/console/quarantine";

/// The console's routes; registered before the JSON API's `/admin` scope, which would
/// otherwise answer them.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/admin",
            web::get().to(|| async { layout::see_other(OVERVIEW) }),
        )
        .route(OVERVIEW, web::get().to(overview::show))
        .service(
            web::scope("/admin/console")
                .app_data(web::FormConfig::default().error_handler(|_, _| {
                    ConsoleError::BadForm("the form has an unexpected field or value".into()).into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|_, _| {
                    ConsoleError::BadForm("the address has an unexpected parameter".into()).into()
                }))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| ConsoleError::NotFound.into()),
                )
                .route("/sign-in", web::get().to(sign_in::form))
                .route("/sign-in", web::post().to(sign_in::sign_in))
                .route("/sign-out", web::post().to(sign_in::sign_out))
                .route("/events", web::get().to(events::list))
                .route("/events/replay", web::get().to(bulk::confirm))
                .route("/events/replay", web::post().to(bulk::replay))
                .route("/events/{id}", web::get().to(event::show))
                .route("/events/{id}/replay", web::post().to(event::replay))
                .route("/events/{id}/expunge", web::post().to(event::expunge))
                .route("/quarantine", web::get().to(quarantine::list))
                .route(
                    "/quarantine/{name}/replay",
                    web::post().to(quarantine::replay),
                )
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ConsoleError::NotFound)
                })),
        );
}

/// A state-changing form's only common field.
#[derive(Debug, serde::Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}
