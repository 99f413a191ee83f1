//! `GET /metrics`: Prometheus text exposition.

use actix_web::{web, HttpResponse};

use crate::metrics::Metrics;

pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render())
}
