//! The root span of every request (tracing-actix-web's fields), with two fields of our own
//! making: `http.client_ip` is the address `client_address` believes (the crate's default
//! takes `X-Forwarded-For` and `Forwarded` from anyone), and `http.method` is the metrics'
//! fixed label (an invented 2 KB method is not copied into every log line).
//!
//! The webhook routes get a lean span, the method and the route only: they are the hot path
//! (thousands a second, one log line each, which names the delivery itself), and a span of a
//! dozen fields formatted to JSON cost about a fifth of the service's CPU per delivery
//! (BENCHMARKS.md, "Where the service's CPU goes").

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::USER_AGENT;
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use uuid::Uuid;

use super::client_address::client_address;
use crate::metrics::method_label;

/// The prefix of the webhook routes, whose span is lean.
const HOOKS: &str = "/hooks/";

/// Builds the root span of each request (for `observe`); audit lines are written inside it.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let method = method_label(request.method());
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        if route.starts_with(HOOKS) {
            return tracing::info_span!("HTTP request", http.method = method, http.route = %route);
        }
        let client_ip = client_address(request.request())
            .map(|address| address.to_string())
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = method,
            http.route = %route,
            http.flavor = ?request.version(),
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.target = %request.uri().path_and_query().map_or("", |target| target.as_str()),
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            // What tracing-actix-web's `RequestId` holds; the span is ours (`observe`) since
            // its `TracingLogger` is not a layer of its own any more.
            request_id = %Uuid::new_v4(),
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
