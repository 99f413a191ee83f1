//! The embedded default database: a PostgreSQL cluster under a local folder, run from the
//! system's own PostgreSQL binaries, so `cargo run` works with no configuration.
//!
//! The binaries refuse to run as root; as root they run as the `postgres` OS user.

mod binaries;
mod cluster;
mod error;
mod os_user;

pub use binaries::PgBinaries;
pub use cluster::{EmbeddedPostgres, Throwaway};
pub use error::EmbeddedDbError;

/// SQL that gives a database the shape of Supabase's: its roles and its `auth.users`.
/// Idempotent; applied to the embedded database and to every test database.
pub const SUPABASE_AUTH_FIXTURE: &str = include_str!("supabase_auth.sql");
