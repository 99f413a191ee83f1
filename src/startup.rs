//! The composition root: builds the HTTP application from a configuration and a pool. Used
//! by `main` and by the tests alike.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use sqlx::PgPool;
use tracing_actix_web::TracingLogger;

use crate::config::AppConfig;
use crate::metrics::Metrics;
use crate::routes::{self, HookContext};
use crate::webhook::Verifier;

/// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
const SHUTDOWN_GRACE_SECONDS: u64 = 25;

/// A bound, not yet running, HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener (port 0: any free port) and wires the routes.
    pub fn build(config: AppConfig, pool: PgPool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.listen)?;
        Self::from_listener(listener, config, pool)
    }

    /// Wires the routes onto a listener bound beforehand (`serve` binds it before starting
    /// anything else, so a busy port fails at once); `config.listen` is not used.
    pub fn from_listener(
        listener: TcpListener,
        config: AppConfig,
        pool: PgPool,
    ) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(Metrics::default());
        let hooks = web::Data::new(HookContext {
            verifier: Verifier::new(config.webhook.secrets, config.webhook.tolerance),
            max_body_bytes: config.webhook.max_body_bytes,
            pool: pool.clone(),
            metrics: metrics.clone(),
        });
        let pool = web::Data::new(pool);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(pool.clone())
                .app_data(hooks.clone())
                .app_data(metrics.clone())
                .configure(routes::configure)
        })
        .listen(listener)?
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
