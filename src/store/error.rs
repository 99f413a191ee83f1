//! The storage boundary's error type.

use sqlx::migrate::MigrateError;
use sqlx::postgres::PgDatabaseError;

/// A database operation failed. The text is for logs and the command line only; it never
/// reaches a response body.
///
/// sqlx's errors already write their causes into their own text (and expose them again as
/// `source`), so they are kept as text here rather than as a `source`: a cause chain printed
/// with `{:#}` then names each cause once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Database(String),
    /// A migration failed; the text ends with PostgreSQL's hint on how to fix it, if any.
    #[error("{0}")]
    Migration(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(describe(&error))
    }
}

impl From<MigrateError> for StoreError {
    fn from(error: MigrateError) -> Self {
        Self::Migration(match &error {
            MigrateError::ExecuteMigration(cause, version) => {
                format!("migration {version} failed: {}", describe(cause))
            }
            MigrateError::Execute(cause) => format!("migrations failed: {}", describe(cause)),
            other => other.to_string(),
        })
    }
}

/// One line for a sqlx error: PostgreSQL's own message, its detail and its hint for errors
/// the server raised, sqlx's text otherwise.
fn describe(error: &sqlx::Error) -> String {
    let Some(database) = error.as_database_error() else {
        return error.to_string();
    };
    let Some(postgres) = database.try_downcast_ref::<PgDatabaseError>() else {
        return database.message().to_string();
    };
    let mut text = postgres.message().to_string();
    if let Some(detail) = postgres.detail() {
        text.push_str(&format!(" ({detail})"));
    }
    if let Some(hint) = postgres.hint() {
        text.push_str(&format!(". Hint: {hint}"));
    }
    text
}
