//! The connection pool.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// How long a request waits for a connection before the database counts as unreachable;
/// well inside Supabase's 5 second budget for a whole auth hook.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// A pool that connects on first use, so the service starts (and `/readyz` can say 503)
/// while the database is down.
pub fn connect_lazy(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy_with(options.application_name("auth-mirror"))
}
