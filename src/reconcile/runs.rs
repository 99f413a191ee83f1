//! Database reconciles run in the background for the admin API: the lock is taken before a
//! run is accepted (so a refusal is immediate, whichever instance holds it), progress is
//! readable while it runs, and shutdown stops and awaits it before the pool closes.
//!
//! Run statuses live in this process: a run is polled on the instance that started it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::database::{self, Options};
use super::{Phase, Progress, ReconcileError, Report};
use crate::admin::reconcile::{ReconcileRun, RunError, RunState};

/// Finished runs kept for polling, besides the running one.
const KEEP: usize = 16;

/// The background reconciles of one application. Cheap to clone (shared state).
#[derive(Debug, Clone, Default)]
pub struct Runs {
    statuses: Arc<Mutex<VecDeque<ReconcileRun>>>,
    tasks: Arc<Mutex<Vec<RunTask>>>,
}

/// A running reconcile: how to stop it, and its task to await.
type RunTask = (oneshot::Sender<()>, JoinHandle<()>);

impl Runs {
    /// Takes the reconcile lock and starts a database reconcile in the background; its
    /// status as it starts. Refused with [`ReconcileError::AlreadyRunning`] while any
    /// reconcile of this database runs, here or in another process.
    pub async fn start(
        &self,
        pool: PgPool,
        options: Options,
    ) -> Result<ReconcileRun, ReconcileError> {
        database::ensure_auth_users(&pool).await?;
        let lock = super::lock(&pool).await?;
        let run = ReconcileRun {
            id: Uuid::new_v4(),
            state: RunState::Running,
            dry_run: options.dry_run,
            batch_size: options.batch_size,
            phase: None,
            users_read: 0,
            users_total: None,
            created: 0,
            updated: 0,
            unchanged: 0,
            tombstoned: 0,
            skipped: 0,
            trigger_errors_resolved: 0,
            started_at: Utc::now(),
            finished_at: None,
            error: None,
        };
        {
            let mut statuses = self.statuses.lock().expect("statuses lock");
            statuses.push_back(run.clone());
            while statuses.len() > KEEP {
                statuses.pop_front();
            }
        }
        let (stop, stopped) = oneshot::channel();
        let runs = self.clone();
        let id = run.id;
        let handle = tokio::spawn(async move {
            let progress = |progress: &Progress| runs.update(id, |run| observe(run, progress));
            let outcome = tokio::select! {
                outcome = database::reconcile_holding(&pool, lock, options, &progress) => {
                    outcome.map_err(|error| RunError { code: error.code().into(), message: error.to_string() })
                }
                _ = stopped => Err(RunError {
                    code: "interrupted".into(),
                    message: "the service shut down during the reconcile; what was applied \
                              stays applied: start it again".into(),
                }),
            };
            runs.update(id, |run| finish(run, outcome));
        });
        let mut tasks = self.tasks.lock().expect("tasks lock");
        tasks.retain(|(_, handle)| !handle.is_finished());
        tasks.push((stop, handle));
        Ok(run)
    }

    /// The status of run `id`, if this process started it (and still remembers it).
    pub fn get(&self, id: Uuid) -> Option<ReconcileRun> {
        let statuses = self.statuses.lock().expect("statuses lock");
        statuses.iter().find(|run| run.id == id).cloned()
    }

    /// The most recent run this process started.
    pub fn latest(&self) -> Option<ReconcileRun> {
        self.statuses.lock().expect("statuses lock").back().cloned()
    }

    /// Stops every running reconcile between two statements (the batch under way rolls
    /// back, the lock goes with its connection) and waits for it; each is marked `failed`
    /// with `interrupted`.
    pub async fn stop(&self) {
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks lock"));
        for (stop, handle) in tasks {
            let _ = stop.send(());
            if let Err(error) = handle.await {
                tracing::error!(%error, "reconcile task failed");
            }
        }
    }

    fn update(&self, id: Uuid, change: impl FnOnce(&mut ReconcileRun)) {
        let mut statuses = self.statuses.lock().expect("statuses lock");
        if let Some(run) = statuses.iter_mut().find(|run| run.id == id) {
            change(run);
        }
    }
}

/// A progress snapshot into the run's status.
fn observe(run: &mut ReconcileRun, progress: &Progress) {
    let phase = match progress.phase {
        Phase::TriggerErrors => {
            run.trigger_errors_resolved = progress.done as i64;
            "trigger_errors"
        }
        Phase::Users => {
            run.users_read = progress.done as i64;
            run.users_total = progress.total.map(|total| total as i64);
            "users"
        }
        Phase::Tombstones => "tombstones",
    };
    run.phase = Some(phase.to_owned());
    set_effects(run, &progress.effects);
}

fn set_effects(run: &mut ReconcileRun, effects: &super::Effects) {
    run.created = effects.created;
    run.updated = effects.updated;
    run.unchanged = effects.unchanged;
    run.tombstoned = effects.tombstoned;
    run.skipped = effects.unversioned;
}

/// The outcome into the run's status, and one log line (counts and codes only).
fn finish(run: &mut ReconcileRun, outcome: Result<Report, RunError>) {
    run.finished_at = Some(Utc::now());
    run.phase = None;
    match outcome {
        Ok(report) => {
            run.state = RunState::Succeeded;
            run.users_read = report.users_read;
            set_effects(run, &report.effects);
            run.trigger_errors_resolved = report.trigger_errors_resolved.unwrap_or_default();
            tracing::info!(run_id = %run.id, %report, "reconcile finished");
        }
        Err(error) => {
            run.state = RunState::Failed;
            tracing::error!(run_id = %run.id, code = error.code, error = error.message, "reconcile failed");
            run.error = Some(error);
        }
    }
}
