//! Supabase's timestamps and the version of a user state.

use chrono::{DateTime, Timelike, Utc};

/// Parses an RFC 3339 timestamp and truncates it to microseconds, PostgreSQL's precision:
/// Supabase's JSON may carry nanoseconds that its database never stored.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    let time = DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc);
    let micros = time.nanosecond() / 1_000 * 1_000;
    Ok(time.with_nanosecond(micros).unwrap_or(time))
}

/// The version of a user state: its `updated_at`. Supabase's placeholder `0001-01-01`
/// (sent by `before-user-created`, before the row exists) is not a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(DateTime<Utc>);

impl Version {
    /// `None` for the placeholder dates before year 1000.
    pub fn new(updated_at: DateTime<Utc>) -> Option<Self> {
        (updated_at.timestamp() >= FIRST_REAL_SECOND).then_some(Self(updated_at))
    }

    pub fn time(self) -> DateTime<Utc> {
        self.0
    }
}

/// 1000-01-01T00:00:00Z: anything earlier is a placeholder, not a real update time.
const FIRST_REAL_SECOND: i64 = -30_610_224_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanoseconds_are_truncated_to_microseconds() {
        let time = parse_time("2024-05-01T10:00:00.123456789Z").unwrap();
        assert_eq!(time.nanosecond(), 123_456_000);
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let time = parse_time("2024-05-01T12:00:00.5+02:00").unwrap();
        assert_eq!(time.to_rfc3339(), "2024-05-01T10:00:00.500+00:00");
    }

    #[test]
    fn supabase_placeholder_is_not_a_version() {
        let placeholder = parse_time("0001-01-01T00:00:00Z").unwrap();
        assert_eq!(Version::new(placeholder), None);
    }

    #[test]
    fn a_real_update_time_is_a_version() {
        let real = parse_time("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(Version::new(real).map(Version::time), Some(real));
    }
}
