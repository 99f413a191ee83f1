//! Which events an admin call is about: the filters of `GET /admin/events` and of bulk
//! replay, parsed from their text form.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InputError;
use crate::domain::{EventFilter, Source};

/// The filters as the client sends them (query parameters or JSON fields).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawFilter {
    /// `applied`, `failed`, `dead` or `ignored`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `auth_hook` or `db_webhook`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The hook name (`after-user-created`...), `INSERT`, `UPDATE`, `DELETE` or `unparsed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The auth user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Received at or after this RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Received before this RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl RawFilter {
    /// The filters that are set, as compact JSON for the audit log (`{}` for none).
    pub fn audit(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// PostgreSQL cannot take a NUL character in any text (valid UTF-8 it takes whole): a
    /// filter holding one is bad input, named, not a database failure.
    fn refuse_nul(&self) -> Result<(), InputError> {
        let fields = [
            ("status", &self.status),
            ("source", &self.source),
            ("kind", &self.kind),
            ("user_id", &self.user_id),
            ("since", &self.since),
            ("until", &self.until),
        ];
        match fields
            .into_iter()
            .find(|(_, value)| value.as_ref().is_some_and(|v| v.contains('\0')))
        {
            Some((name, _)) => Err(InputError::NulCharacter(name)),
            None => Ok(()),
        }
    }
}

impl TryFrom<&RawFilter> for EventFilter {
    type Error = InputError;

    fn try_from(raw: &RawFilter) -> Result<Self, Self::Error> {
        raw.refuse_nul()?;
        let status = raw
            .status
            .as_deref()
            .map(|text| text.parse().map_err(|()| InputError::InvalidStatus))
            .transpose()?;
        let source = raw
            .source
            .as_deref()
            .map(|text| Source::from_sql(text).ok_or(InputError::InvalidSource))
            .transpose()?;
        if let Some(kind) = &raw.kind {
            if kind.is_empty() || kind.chars().count() > 100 {
                return Err(InputError::InvalidKind);
            }
        }
        let user_id = raw
            .user_id
            .as_deref()
            .map(|text| Uuid::parse_str(text).map_err(|_| InputError::InvalidUserId))
            .transpose()?;
        let since = parse_time(raw.since.as_deref(), "since")?;
        let until = parse_time(raw.until.as_deref(), "until")?;
        if let (Some(since), Some(until)) = (since, until) {
            if since > until {
                return Err(InputError::InvalidTimeRange);
            }
        }
        Ok(Self {
            status,
            source,
            kind: raw.kind.clone(),
            user_id,
            since,
            until,
        })
    }
}

fn parse_time(text: Option<&str>, name: &'static str) -> Result<Option<DateTime<Utc>>, InputError> {
    text.map(|text| {
        // An unencoded `+02:00` in a query string arrives as ` 02:00`.
        DateTime::parse_from_rfc3339(&text.replace(' ', "+"))
            .map(|time| time.with_timezone(&Utc))
            .map_err(|_| InputError::InvalidTime(name))
    })
    .transpose()
}

/// A `limit` from 1 to `max`, `default` when absent.
pub fn parse_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, InputError> {
    match limit {
        None => Ok(default),
        Some(limit) if limit < 1 => Err(InputError::InvalidLimit),
        Some(limit) if limit > max => Err(InputError::LimitTooLarge(max)),
        Some(limit) => Ok(limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(field: &str, value: &str) -> RawFilter {
        serde_json::from_value(serde_json::json!({ field: value })).unwrap()
    }

    #[test]
    fn each_bad_filter_has_its_own_error() {
        let cases = [
            ("status", "broken", InputError::InvalidStatus),
            ("source", "smtp", InputError::InvalidSource),
            ("kind", "", InputError::InvalidKind),
            ("user_id", "42", InputError::InvalidUserId),
            ("since", "yesterday", InputError::InvalidTime("since")),
            ("kind", "a\0b", InputError::NulCharacter("kind")),
            ("status", "failed\0", InputError::NulCharacter("status")),
            (
                "until",
                "2024-13-01T00:00:00Z",
                InputError::InvalidTime("until"),
            ),
        ];
        for (field, value, expected) in cases {
            assert_eq!(EventFilter::try_from(&raw(field, value)), Err(expected));
        }
    }

    #[test]
    fn an_offset_whose_plus_became_a_space_in_a_query_string_still_parses() {
        let filter = EventFilter::try_from(&raw("since", "2024-05-01T12:00:00 02:00")).unwrap();
        assert_eq!(
            filter.since.unwrap().to_rfc3339(),
            "2024-05-01T10:00:00+00:00"
        );
    }

    #[test]
    fn a_reversed_time_range_is_refused() {
        let filter = RawFilter {
            since: Some("2024-05-02T00:00:00Z".into()),
            until: Some("2024-05-01T00:00:00Z".into()),
            ..RawFilter::default()
        };
        assert_eq!(
            EventFilter::try_from(&filter),
            Err(InputError::InvalidTimeRange)
        );
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(parse_limit(None, 50, 500), Ok(50));
        assert_eq!(parse_limit(Some(500), 50, 500), Ok(500));
        assert_eq!(
            parse_limit(Some(501), 50, 500),
            Err(InputError::LimitTooLarge(500))
        );
        assert_eq!(parse_limit(Some(0), 50, 500), Err(InputError::InvalidLimit));
    }
}
