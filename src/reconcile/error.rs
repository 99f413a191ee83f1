//! The reconcile boundary's error type. Messages name what failed, never a credential.

/// A reconcile did not complete. Whatever batches were applied before stay applied (each
/// is its own transaction, and re-applying is harmless).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("another reconcile is already running on this database{}",
        .0.map(|pid| format!(" (PostgreSQL backend pid {pid})")).unwrap_or_default())]
    AlreadyRunning(Option<i32>),
    #[error("this database has no auth.users (a separate app database): reconcile it with `auth-mirror reconcile --from admin-api`")]
    NoAuthUsers,
    #[error("cannot use the Admin API: {0}")]
    AuthApiSetup(&'static str),
    #[error("the Admin API answered HTTP {0} (check SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY)")]
    AuthApiStatus(u16),
    #[error("the Admin API still failed after {0} attempts (429, 5xx or network errors); run the same command again to resume")]
    AuthApiGaveUp(u32),
    #[error("unexpected Admin API response: {0}")]
    AuthApiResponse(String),
    #[error("database error while {step}")]
    Database {
        step: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl ReconcileError {
    /// The stable machine-readable code (the admin API's error and run status codes).
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRunning(_) => "reconcile_running",
            Self::NoAuthUsers => "auth_users_missing",
            Self::AuthApiSetup(_)
            | Self::AuthApiStatus(_)
            | Self::AuthApiGaveUp(_)
            | Self::AuthApiResponse(_) => "admin_api_error",
            Self::Database { source, .. } => match source.as_database_error() {
                Some(error) if error.code().as_deref() == Some("42501") => "permission_denied",
                _ => "database_error",
            },
        }
    }

    /// A `map_err` for database errors during `step`.
    pub(crate) fn database(step: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { step, source }
    }
}
