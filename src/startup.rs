//! The composition root: builds the HTTP application from a configuration and a pool. Used
//! by `main` and by the tests alike.

mod listeners;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use sqlx::PgPool;
use tokio::time::Instant;

use crate::config::{AppConfig, WorkerConfig};
use crate::metrics::Metrics;
use crate::processing::group_commit::{self, GroupCommit, Writers};
use crate::processing::intake::Intake;
use crate::processing::retry;
use crate::processing::spool::{drainer, Spool};
use crate::reconcile::runs::Runs;
use crate::routes::{self, AdminContext, BodyReadTimeout, HookContext};
use crate::shutdown::{self, BackgroundTasks, Draining, PendingTask};
use crate::store;
use crate::webhook::Verifier;

pub use listeners::{ListenError, Listeners};

/// actix refuses more worker threads than this.
const ACTIX_MAX_WORKERS: usize = 512;

/// The worker threads actix would start by default (one per available CPU).
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |threads| threads.get())
}

/// A bound, not yet running, HTTP server.
pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    draining: Draining,
    shutdown_timeout: Duration,
    /// Background work started by the composition root (retry worker, spool drainer ...):
    /// stopped after the HTTP server has drained, before the database closes.
    pub tasks: BackgroundTasks,
    /// Group commit's own connections: closed once the writers have stopped, so none is
    /// still open (and cut off) when the database stops after the service.
    writers_pool: PgPool,
    /// Group commit's writers, the retry worker, the spool's drainer and the reconcile
    /// stopper: started with the server, stopped after it has drained, in this order.
    pending: Vec<PendingTask>,
}

impl Application {
    /// Binds the listeners (port 0: any free port) and wires the routes.
    pub fn build(config: AppConfig, pool: PgPool) -> std::io::Result<Self> {
        let listeners =
            Listeners::bind(config.listen, &config.metrics).map_err(std::io::Error::other)?;
        Self::from_listeners(listeners, config, pool)
    }

    /// Wires the routes onto listeners bound beforehand (`serve` binds them before starting
    /// anything else, so a busy port fails at once); `config.listen` and
    /// `config.metrics.listen` are not used.
    pub fn from_listeners(
        listeners: Listeners,
        config: AppConfig,
        pool: PgPool,
    ) -> std::io::Result<Self> {
        let listener = listeners.public;
        let port = listener.local_addr()?.port();
        let metrics_port = match &listeners.metrics {
            Some(listener) => Some(listener.local_addr()?.port()),
            None => None,
        };
        let mut metrics = Metrics::default();
        metrics.observe_pool(pool.clone());
        metrics.spool.max_bytes.set(config.spool.max_bytes as i64);
        let metrics = web::Data::new(metrics);
        let draining = Draining::default();
        let draining_data = web::Data::new(draining.clone());
        let spool = Spool::open(&config.spool, metrics.spool.clone()).map_err(|error| {
            std::io::Error::other(format!(
                "cannot open the spool in {} (SPOOL_DIR): {error}",
                config.spool.dir.display()
            ))
        })?;
        let writers_pool =
            store::pool::for_deliveries(&pool, group_commit::WRITERS, config.delivery.deadline);
        let (group_commit, writers) = GroupCommit::new(
            writers_pool.clone(),
            config.worker.schedule.clone(),
            metrics.clone().into_inner(),
        );
        let hooks = web::Data::new(HookContext {
            verifier: Verifier::new(config.webhook.secrets, config.webhook.tolerance),
            max_body_bytes: config.webhook.max_body_bytes,
            intake: Intake::new(
                group_commit.clone(),
                spool.clone(),
                config.delivery.deadline,
                metrics.clone().into_inner(),
            ),
            metrics: metrics.clone(),
        });
        let reconciles = Runs::default();
        let admin = config.admin_token.as_ref().map(|token| {
            web::Data::new(AdminContext::new(
                token,
                &config.security,
                pool.clone(),
                config.worker.schedule.clone(),
                metrics.clone().into_inner(),
                reconciles.clone(),
            ))
        });
        let mut pending = background_tasks(
            writers,
            spool.clone(),
            group_commit.clone(),
            pool.clone(),
            config.worker,
            metrics.clone().into_inner(),
            reconciles,
        );
        if let Some(listener) = listeners.metrics {
            pending.push(routes::metrics_server(listener, metrics.clone())?);
        }
        let metrics_on_public_port = config.metrics.on_public_port;
        let client_addresses = web::Data::new(config.security.client_addresses.clone());
        let spool = web::Data::new(spool);
        let group_commit = web::Data::new(group_commit);
        let pool = web::Data::new(pool);
        let body_read_timeout = web::Data::new(BodyReadTimeout(config.http.body_read_timeout));
        let (workers, connections_per_worker) = config
            .http
            .split_among_workers(available_threads().min(ACTIX_MAX_WORKERS));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(routes::observe))
                .app_data(client_addresses.clone())
                .app_data(draining_data.clone())
                .app_data(body_read_timeout.clone())
                .app_data(pool.clone())
                .app_data(spool.clone())
                .app_data(group_commit.clone())
                .app_data(hooks.clone())
                .app_data(metrics.clone())
                .configure(|routes| routes::configure(routes, metrics_on_public_port))
                .configure(|config| routes::admin::configure(config, admin.clone()))
        })
        // `MAX_CONNECTIONS` across all workers: actix's cap is per worker.
        .workers(workers)
        .max_connections(connections_per_worker)
        .listen(listener)?
        // Signals are ours (`run_until_signalled`): actix would stop abruptly on SIGINT.
        .disable_signals()
        .shutdown_timeout(shutdown::http_drain_budget(config.shutdown_timeout).as_secs())
        .run();
        Ok(Self {
            port,
            metrics_port,
            server,
            draining,
            shutdown_timeout: config.shutdown_timeout,
            tasks: BackgroundTasks::default(),
            writers_pool,
            pending,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until the runtime ends or the server is stopped (tests, benchmarks); the
    /// background tasks run meanwhile and are stopped after it.
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        self.start_background_tasks();
        let served = self.server.await;
        stop_background(
            self.tasks,
            &self.writers_pool,
            Instant::now() + self.shutdown_timeout,
        )
        .await;
        served
    }

    /// Starts the background tasks set up with the application.
    fn start_background_tasks(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.tasks.start(pending);
    }

    /// Serves until SIGTERM or SIGINT, then stops in order within the shutdown timeout: no
    /// new connections, in-flight requests finish, background tasks stop. The caller closes
    /// the database afterwards.
    pub async fn run_until_signalled(mut self) -> anyhow::Result<()> {
        self.start_background_tasks();
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        let signal = tokio::select! {
            ended = &mut server => {
                let deadline = Instant::now() + self.shutdown_timeout;
                stop_background(self.tasks, &self.writers_pool, deadline).await;
                return Ok(ended??);
            }
            signal = shutdown::signalled() => signal?,
        };
        let deadline = Instant::now() + self.shutdown_timeout;
        tracing::info!(
            signal,
            timeout_seconds = self.shutdown_timeout.as_secs(),
            "shutting down: not accepting connections, finishing in-flight requests"
        );
        self.draining.start();
        handle.stop(true).await;
        server.await??;
        let aborted = stop_background(self.tasks, &self.writers_pool, deadline).await;
        tracing::info!(
            aborted = aborted.len(),
            "HTTP server and background tasks stopped"
        );
        Ok(())
    }
}

/// Stops the background tasks by `deadline`, then closes group commit's own pool (nothing
/// writes with it once its writers have stopped); returns the tasks that had to be aborted.
async fn stop_background(
    tasks: BackgroundTasks,
    writers_pool: &PgPool,
    deadline: Instant,
) -> Vec<&'static str> {
    let aborted = tasks.stop(deadline).await;
    writers_pool.close().await;
    aborted
}

/// The background tasks of one application, in the order they start and stop: group
/// commit's writers, the retry worker, the spool's drainer, and the stopper of reconciles.
fn background_tasks(
    writers: Writers,
    spool: Spool,
    group_commit: GroupCommit,
    pool: PgPool,
    worker: WorkerConfig,
    metrics: Arc<Metrics>,
    reconciles: Runs,
) -> Vec<PendingTask> {
    let writers = Arc::new(writers);
    let mut tasks: Vec<PendingTask> = (0..group_commit::WRITERS)
        .map(|_| {
            let writers = writers.clone();
            PendingTask::new("group commit", move |stop| writers.run(stop))
        })
        .collect();
    tasks.push(PendingTask::new("retry", move |stop| {
        retry::run(pool, worker, metrics, stop)
    }));
    tasks.push(PendingTask::new("spool", move |stop| {
        drainer::run(spool, group_commit, stop)
    }));
    tasks.push(PendingTask::new("reconcile", move |mut stop| async move {
        stop.stopped().await;
        reconciles.stop().await;
    }));
    tasks
}
