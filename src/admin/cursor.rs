//! Opaque keyset cursors: the id an endpoint stopped at, tagged with the endpoint's kind
//! so that one endpoint's cursor is refused by another.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::InputError;

/// Where a paginated walk continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// `GET /admin/events`, newest first: events with a smaller id.
    EventsBefore(i64),
    /// Bulk replay, oldest first: events with a larger id.
    ReplayAfter(i64),
    /// `GET /admin/trigger-errors`, newest first: rows with a smaller id.
    TriggerErrorsBefore(i64),
}

impl Cursor {
    /// The text handed to clients.
    pub fn encode(self) -> String {
        let (tag, id) = match self {
            Self::EventsBefore(id) => ("e1", id),
            Self::ReplayAfter(id) => ("r1", id),
            Self::TriggerErrorsBefore(id) => ("t1", id),
        };
        URL_SAFE_NO_PAD.encode(format!("{tag}:{id}"))
    }

    /// Reads a cursor that must be of the same kind as `expected` (whose id is ignored).
    pub fn decode(text: &str, expected: fn(i64) -> Cursor) -> Result<Cursor, InputError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| InputError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| InputError::InvalidCursor)?;
        let (tag, id) = text.split_once(':').ok_or(InputError::InvalidCursor)?;
        let id: i64 = id.parse().map_err(|_| InputError::InvalidCursor)?;
        let cursor = match tag {
            "e1" => Self::EventsBefore(id),
            "r1" => Self::ReplayAfter(id),
            "t1" => Self::TriggerErrorsBefore(id),
            _ => return Err(InputError::InvalidCursor),
        };
        if std::mem::discriminant(&cursor) != std::mem::discriminant(&expected(0)) || id < 0 {
            return Err(InputError::InvalidCursor);
        }
        Ok(cursor)
    }

    /// The id inside.
    pub fn id(self) -> i64 {
        match self {
            Self::EventsBefore(id) | Self::ReplayAfter(id) | Self::TriggerErrorsBefore(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_itself() {
        let cursor = Cursor::EventsBefore(42);
        assert_eq!(
            Cursor::decode(&cursor.encode(), Cursor::EventsBefore),
            Ok(cursor)
        );
    }

    #[test]
    fn another_endpoints_cursor_or_garbage_is_refused() {
        let replay = Cursor::ReplayAfter(42).encode();
        for bad in [replay.as_str(), "", "!!!", "ZTE6eA", "eDox"] {
            assert_eq!(
                Cursor::decode(bad, Cursor::EventsBefore),
                Err(InputError::InvalidCursor),
                "{bad:?}"
            );
        }
    }
}
