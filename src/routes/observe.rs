//! The one middleware around every request: its root span (`request_span`), the body's
//! deadline and hold (`body_guard`), its time in the request latency histogram, and, once
//! shutdown has begun, a connection closed after the answer.
//!
//! One middleware rather than three (tracing-actix-web's `TracingLogger`, the timing, the
//! body guard): each layer was a boxed future, a pass over the request and, for the
//! logger, a span entered again around every poll of the answer's body.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument as _;
use tracing_actix_web::RootSpanBuilder as _;

use super::body_guard::GuardedBody;
use super::request_span::RequestSpan;
use crate::metrics::{Metrics, RequestLabels};
use crate::shutdown::Draining;

/// Runs the request inside its root span, under its body's guard, timed.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let span = RequestSpan::on_request_start(&request);
    let outcome = answer(request, next).instrument(span.clone()).await;
    RequestSpan::on_request_end(span, &outcome);
    outcome
}

/// The request answered under its body's guard, timed.
async fn answer(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let draining = request.app_data::<web::Data<Draining>>().cloned();
    let body = GuardedBody::install(&mut request);
    let mut response = body.hold(next.call(request).await)?;
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
