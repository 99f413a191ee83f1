//! Group commit started on its own, as the composition root starts it, for tests that drive
//! the processing layer without HTTP (the intake, the spool's drainer).

use std::sync::Arc;

use auth_mirror::domain::RetrySchedule;
use auth_mirror::metrics::Metrics;
use auth_mirror::processing::group_commit::{self, GroupCommit};
use auth_mirror::shutdown::BackgroundTasks;
use sqlx::PgPool;

/// Group commit on `pool`, its writers spawned into `tasks`.
pub fn start_group_commit(
    pool: PgPool,
    metrics: Arc<Metrics>,
    tasks: &mut BackgroundTasks,
) -> GroupCommit {
    let (group_commit, writers) = GroupCommit::new(pool, RetrySchedule::default(), metrics);
    let writers = Arc::new(writers);
    for _ in 0..group_commit::WRITERS {
        let writers = writers.clone();
        tasks.spawn("group commit", move |stop| writers.run(stop));
    }
    group_commit
}
