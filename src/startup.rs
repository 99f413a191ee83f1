//! The composition root: builds the HTTP application from a configuration and a pool. Used
//! by `main` and by the tests alike.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use sqlx::PgPool;
use tracing_actix_web::TracingLogger;

use crate::config::AppConfig;
use crate::metrics::Metrics;
use crate::processing::retry::{RetryWorker, WorkerConfig};
use crate::routes::{self, AdminContext, HookContext};
use crate::webhook::Verifier;

/// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
const SHUTDOWN_GRACE_SECONDS: u64 = 25;

/// A bound, not yet running, HTTP server.
pub struct Application {
    port: u16,
    server: Server,
    background: Background,
}

/// What the background tasks need; they start with `run_until_stopped` and stop after the
/// server has drained.
struct Background {
    pool: PgPool,
    worker: WorkerConfig,
    metrics: Arc<Metrics>,
}

impl Application {
    /// Binds the listener (port 0: any free port) and wires the routes.
    pub fn build(config: AppConfig, pool: PgPool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen)?;
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(Metrics::default());
        let hooks = web::Data::new(HookContext {
            verifier: Verifier::new(config.webhook.secrets, config.webhook.tolerance),
            max_body_bytes: config.webhook.max_body_bytes,
            pool: pool.clone(),
            metrics: metrics.clone(),
            retry: config.worker.schedule.clone(),
        });
        let admin = config.admin_token.as_ref().map(|token| {
            web::Data::new(AdminContext::new(
                token,
                pool.clone(),
                config.worker.schedule.clone(),
                metrics.clone().into_inner(),
            ))
        });
        let background = Background {
            pool: pool.clone(),
            worker: config.worker,
            metrics: metrics.clone().into_inner(),
        };
        let pool = web::Data::new(pool);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(pool.clone())
                .app_data(hooks.clone())
                .app_data(metrics.clone())
                .configure(routes::configure)
                .configure(|config| routes::admin::configure(config, admin.clone()))
        })
        .listen(listener)?
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .run();
        Ok(Self {
            port,
            server,
            background,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests and stops the retry
    /// worker.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Background {
            pool,
            worker,
            metrics,
        } = self.background;
        let worker = RetryWorker::spawn(pool, worker, metrics);
        let served = self.server.await;
        worker.stop().await;
        served
    }
}
