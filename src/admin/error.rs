//! Bad input to the admin API, each with a stable code. Messages name the parameter and
//! what is allowed; they never quote a stored payload.

/// A request parameter or body field the admin API cannot accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("status must be one of applied, failed, dead, ignored")]
    InvalidStatus,
    #[error("source must be auth_hook or db_webhook")]
    InvalidSource,
    #[error("kind must be 1 to 100 characters")]
    InvalidKind,
    #[error("user_id must be a UUID")]
    InvalidUserId,
    #[error("{0} must be an RFC 3339 time such as 2024-05-01T10:00:00Z")]
    InvalidTime(&'static str),
    #[error("since must not be after until")]
    InvalidTimeRange,
    #[error("the cursor is not one this endpoint returned")]
    InvalidCursor,
    #[error("limit must be a whole number from 1")]
    InvalidLimit,
    #[error("limit must be at most {0}")]
    LimitTooLarge(i64),
    #[error("unknown or malformed parameter: {0}")]
    UnknownParameter(String),
    #[error("{0} must not contain a NUL character (\\u0000), which PostgreSQL cannot take")]
    NulCharacter(&'static str),
}

impl InputError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidStatus => "invalid_status",
            Self::InvalidSource => "invalid_source",
            Self::InvalidKind => "invalid_kind",
            Self::InvalidUserId => "invalid_user_id",
            Self::InvalidTime(_) => "invalid_time",
            Self::InvalidTimeRange => "invalid_time_range",
            Self::InvalidCursor => "invalid_cursor",
            Self::InvalidLimit => "invalid_limit",
            Self::LimitTooLarge(_) => "limit_too_large",
            Self::UnknownParameter(_) => "invalid_parameter",
            Self::NulCharacter(_) => "nul_character",
        }
    }
}
