//! Graceful shutdown: the signals that start it, the flag the HTTP layer reads while it
//! drains, and the background tasks the composition root stops after the HTTP server.
//!
//! The order (design §8): stop accepting connections, finish in-flight deliveries, stop the
//! background tasks, then (in `serve`) close the pool and stop the embedded database last.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Default of `SHUTDOWN_TIMEOUT_SECONDS`: inside `fly.toml`'s `kill_timeout` (30 s) with a
/// margin for closing the pool and stopping the embedded database.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 20;

/// Waits for SIGTERM (Fly.io, Docker, systemd) or SIGINT (Ctrl-C); returns its name.
pub async fn signalled() -> std::io::Result<&'static str> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    })
}

/// How the shutdown budget is shared: in-flight requests get three quarters of it, what is
/// left goes to the background tasks. At least one second each.
pub fn http_drain_budget(total: Duration) -> Duration {
    (total * 3 / 4).max(Duration::from_secs(1))
}

/// Set once shutdown has begun. The HTTP layer then closes each connection after its
/// response, so keep-alive clients do not hold the drain open with new requests.
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Handed to each background task: resolves when the task should finish what it is doing
/// and return.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    /// Waits until shutdown asks this task to stop.
    pub async fn stopped(&mut self) {
        // An error means the sender is gone, which also means: stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }
}

/// The background tasks of one application (retry worker, spool drainer, retention ...),
/// stopped together after the HTTP server has drained.
#[derive(Debug)]
pub struct BackgroundTasks {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for BackgroundTasks {
    fn default() -> Self {
        Self {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }
}

/// A task registered before the runtime serves, started by `BackgroundTasks::start`.
pub struct PendingTask {
    name: &'static str,
    start: Box<dyn FnOnce(&mut BackgroundTasks) + Send>,
}

impl PendingTask {
    /// `task`, to be spawned under `name` when the server starts.
    pub fn new<F, Fut>(name: &'static str, task: F) -> Self
    where
        F: FnOnce(StopSignal) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self {
            name,
            start: Box::new(move |tasks| tasks.spawn(name, task)),
        }
    }
}

impl std::fmt::Debug for PendingTask {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_tuple("PendingTask")
            .field(&self.name)
            .finish()
    }
}

impl BackgroundTasks {
    /// Spawns the `pending` tasks, in order (they are stopped in that order too).
    pub fn start(&mut self, pending: Vec<PendingTask>) {
        for task in pending {
            (task.start)(self);
        }
    }

    /// Starts `task` on the runtime; it must return soon after its `StopSignal` fires.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, task: F)
    where
        F: FnOnce(StopSignal) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(task(StopSignal(self.stop.subscribe())));
        self.tasks.push((name, handle));
    }

    /// Signals every task to stop and waits for them until `deadline`; a task still running
    /// then is aborted. Returns the names of the tasks that had to be aborted.
    pub async fn stop(self, deadline: Instant) -> Vec<&'static str> {
        let _ = self.stop.send(true);
        let mut aborted = Vec::new();
        for (name, mut handle) in self.tasks {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(Ok(())) => tracing::info!(task = name, "background task stopped"),
                Ok(Err(error)) => tracing::error!(task = name, %error, "background task failed"),
                Err(_) => {
                    handle.abort();
                    tracing::warn!(task = name, "background task did not stop in time; aborted");
                    aborted.push(name);
                }
            }
        }
        aborted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_stop_when_signalled_and_laggards_are_aborted() {
        let mut tasks = BackgroundTasks::default();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        tasks.spawn("polite", |mut stop| async move {
            stop.stopped().await;
            let _ = done_tx.send(());
        });
        tasks.spawn("stubborn", |_stop| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });

        let aborted = tasks
            .stop(Instant::now() + Duration::from_millis(200))
            .await;

        assert_eq!(aborted, vec!["stubborn"]);
        done_rx.await.expect("the polite task saw the stop signal");
    }

    #[test]
    fn the_http_drain_gets_three_quarters_of_the_budget() {
        assert_eq!(
            http_drain_budget(Duration::from_secs(20)),
            Duration::from_secs(15)
        );
        assert_eq!(
            http_drain_budget(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }
}
