//! The connection pool.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// How long a request waits for a connection before the database counts as unreachable;
/// well inside Supabase's 5 second budget for a whole auth hook.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// The connections group commit's writers store deliveries with: `writers` of them, each
/// session's lock waits and statements bounded by `deadline`, and waiting for one too, so a
/// locked table or a stalled database cannot hold a delivery past its deadline.
pub fn for_deliveries(pool: &PgPool, writers: u32, deadline: Duration) -> PgPool {
    let milliseconds = deadline.as_millis().to_string();
    let options = (*pool.connect_options()).clone().options([
        ("statement_timeout", milliseconds.as_str()),
        ("lock_timeout", milliseconds.as_str()),
    ]);
    PgPoolOptions::new()
        .max_connections(writers)
        // A connection that takes longer leaves the statement no time: fail with the cause.
        .acquire_timeout(deadline * 3 / 4)
        .connect_lazy_with(options)
}

/// A pool that connects on first use, so the service starts (and `/readyz` can say 503)
/// while the database is down.
pub fn connect_lazy(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy_with(options.application_name("auth-mirror"))
}
