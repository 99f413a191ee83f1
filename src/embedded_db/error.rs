//! What can go wrong while starting the embedded database.

use std::path::PathBuf;

/// Errors of the embedded database; each says what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedDbError {
    #[error(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found on PATH or under \
         /usr/lib/postgresql/*/bin: install PostgreSQL (e.g. `apt-get install postgresql`) \
         or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error("running as root, but there is no `postgres` OS user to run PostgreSQL as: create one or set DATABASE_URL")]
    NoPostgresUser,
    #[error("the postgres OS user cannot use {0} (nor its own home folder or /var/tmp): choose a data folder it can reach with AUTH_MIRROR_DATA_DIR, or set DATABASE_URL")]
    FolderNotReachable(PathBuf),
    #[error("`{command}` failed ({status}): {output}")]
    CommandFailed {
        command: String,
        status: String,
        output: String,
    },
    #[error("{action}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
}

impl EmbeddedDbError {
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| Self::Io { action, source }
    }
}
