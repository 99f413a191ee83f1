//! The embedded default database: a PostgreSQL cluster for a local data folder, run from the
//! system's own PostgreSQL binaries, so `cargo run` works with no configuration.
//!
//! The binaries refuse to run as root; as root they run as the `postgres` OS user.

mod binaries;
mod cluster;
mod error;
mod local;
mod location;
mod os_user;
mod ownership;
pub mod port;
mod throwaway;

pub use binaries::PgBinaries;
pub use cluster::EmbeddedPostgres;
pub use error::EmbeddedDbError;
pub use local::{Arrival, LocalCluster};
pub use location::ClusterLocation;
pub use throwaway::Throwaway;

/// SQL that gives a database the shape of Supabase's: its roles and its `auth.users`.
/// Idempotent; applied to the embedded database and to every test database.
pub const SUPABASE_AUTH_FIXTURE: &str = include_str!("supabase_auth.sql");

/// Name of the application's database inside the embedded cluster.
pub const DATABASE: &str = "auth_mirror";

/// The URL of the application's database in an embedded cluster on `port`. Loopback only and
/// trust authentication: it carries no credential.
pub fn url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{DATABASE}")
}
