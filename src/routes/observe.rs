//! Middleware around every request: times it into the request latency histogram and, once
//! shutdown has begun, asks the client to close the connection after the response.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;

use crate::metrics::{Metrics, RequestLabels};
use crate::shutdown::Draining;

pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let draining = request.app_data::<web::Data<Draining>>().cloned();
    let mut response = next.call(request).await?;
    if draining.is_some_and(|draining| draining.is_draining()) {
        // Without this a keep-alive client could keep sending on its open connection until
        // the drain timeout cuts it, mid-request.
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    if let Some(metrics) = metrics {
        let labels = RequestLabels::new(
            response.request().match_pattern(),
            &method,
            response.status().as_u16(),
        );
        metrics.request_answered(labels, started.elapsed());
    }
    Ok(response)
}
