//! `GET /metrics`: Prometheus text exposition, served by a listener of its own
//! (`METRICS_PORT`), kept out of what the internet reaches, and on the public port only when
//! `METRICS_ON_PUBLIC_PORT` says so.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::metrics::Metrics;
use crate::shutdown::{PendingTask, StopSignal};

/// Connections the metrics listener serves at once: a scraper or two, and a person.
const METRICS_CONNECTIONS: usize = 16;

pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render())
}

/// The metrics listener's server (one worker, `GET /metrics` and nothing else), as a
/// background task: it keeps answering while the public server drains, and stops after it.
pub fn metrics_server(
    listener: TcpListener,
    metrics: web::Data<Metrics>,
) -> std::io::Result<PendingTask> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .route("/metrics", web::get().to(self::metrics))
    })
    .workers(1)
    .max_connections(METRICS_CONNECTIONS)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    Ok(PendingTask::new("metrics", move |stop| serve(server, stop)))
}

async fn serve(server: Server, mut stop: StopSignal) {
    let handle = server.handle();
    let mut serving = tokio::spawn(server);
    tokio::select! {
        _ = &mut serving => tracing::warn!("the metrics listener stopped by itself"),
        _ = stop.stopped() => {
            handle.stop(true).await;
            let _ = serving.await;
        }
    }
}
