//! `GET /admin/openapi.json`: the admin API's OpenAPI 3 document, generated from the
//! handlers' annotations and the JSON types (utoipa), never written by hand.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{events, quarantine, reconcile, replay, stats};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "auth-mirror admin API", description = "Failed events, replay, stats and reconcile. Every route needs `Authorization: Bearer <ADMIN_TOKEN>`."),
    paths(
        events::list, events::show, events::expunge,
        replay::replay_one, replay::replay_bulk,
        reconcile::start, reconcile::latest, reconcile::show,
        stats::stats, stats::trigger_errors, quarantine::list, quarantine::replay, document,
    ),
    modifiers(&BearerToken)
)]
pub struct AdminApi;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This document.
#[utoipa::path(
    get, path = "/admin/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document"), (status = 401, description = "unauthorized")),
    security(("bearer" = []))
)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(AdminApi::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_replay_body_documents_its_fields_and_not_the_catch_all() {
        let document = serde_json::to_value(AdminApi::openapi()).unwrap();
        let schemas = &document["components"]["schemas"];
        let text = format!("{} {}", schemas["BulkReplayRequest"], schemas["RawFilter"]);
        for field in ["status", "user_id", "since", "dry_run", "limit", "cursor"] {
            assert!(text.contains(&format!("\"{field}\"")), "{field}: {text}");
        }
        assert!(!text.contains("unknown"), "{text}");
    }
}
