//! Liveness and readiness probes.

use actix_web::{web, HttpResponse};
use serde_json::json;
use sqlx::PgPool;

use crate::store::readiness::{self, Readiness};

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database is reachable and has this binary's migrations.
pub async fn readyz(pool: web::Data<PgPool>) -> HttpResponse {
    match readiness::check(&pool).await {
        Readiness::Ready => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Readiness::DatabaseUnreachable => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "database_unreachable" })),
        Readiness::MigrationsPending => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "migrations_pending" })),
    }
}
