//! Liveness and readiness probes.

use actix_web::{web, HttpResponse};
use serde_json::json;
use sqlx::PgPool;

use crate::metrics::Metrics;
use crate::processing::spool::Spool;
use crate::store::readiness::{self, Readiness};

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Deliveries can be made durable: the database is reachable and has this binary's
/// migrations, or, while it is unreachable, the spool has room. A load balancer must not take
/// the receiver out of rotation because the mirror's database is down. The body says which,
/// and how much the spool holds.
pub async fn readyz(
    pool: web::Data<PgPool>,
    spool: web::Data<Spool>,
    metrics: web::Data<Metrics>,
) -> HttpResponse {
    let response = readiness(&pool, &spool).await;
    metrics.readiness_answered(response.status().is_success());
    response
}

async fn readiness(pool: &PgPool, spool: &Spool) -> HttpResponse {
    let depth = spool.depth();
    let spool_state = json!({ "records": depth.records, "bytes": depth.bytes });
    match readiness::check(pool).await {
        Readiness::Ready => HttpResponse::Ok().json(json!({
            "status": "ready", "database": "ready", "spool": spool_state
        })),
        Readiness::DatabaseUnreachable if spool.has_room() => HttpResponse::Ok().json(json!({
            "status": "ready", "database": "unreachable", "spool": spool_state
        })),
        Readiness::DatabaseUnreachable => HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable", "reason": "database_unreachable", "database": "unreachable",
            "spool": spool_state
        })),
        Readiness::MigrationsPending => HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable", "reason": "migrations_pending", "database": "migrations_pending",
            "spool": spool_state
        })),
    }
}
