//! The test harness: one PostgreSQL server per test run, one fresh database per test, and the
//! real application (the same composition root as `main`) on a free port.
//!
//! The server is `DATABASE_URL` if set; otherwise a throwaway cluster started once from the
//! system's PostgreSQL binaries and removed when the test process exits. A test's database is
//! a copy of a template prepared (migrated) once per set-up.

mod app;
mod auth_admin;
mod failing;
mod group_commit;
mod quarantine;
mod raw_http;
mod server;
mod template;

pub use app::{
    spawn_admin_app, spawn_admin_app_adjusted, spawn_admin_app_with, spawn_app, spawn_app_adjusted,
    spawn_app_with, spawn_app_with_secrets, unix_now, AdminSetup, TestApp, ADMIN_TOKEN,
    MAX_BODY_BYTES, TOLERANCE_SECONDS,
};
pub use auth_admin::{as_auth_admin, at, begin_as_auth_admin, mirror_row, MirrorRow, Signup};
pub use failing::{deliver_signup, repair, sabotage, PRIVATE_EMAIL};
pub use group_commit::start_group_commit;
pub use quarantine::{
    spawn_admin_app_that_spools_soon, spool_a_refused_signup, unrefuse, QUARANTINED_EMAIL,
};
pub use raw_http::{authority, chunked, read_response, RawConnection};
pub use server::{Setup, TestDatabase};
