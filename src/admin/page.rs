//! Keyset pages, newest first: a `limit` and an opaque cursor in, the next cursor out.

use super::{parse_limit, Cursor, InputError, DEFAULT_PAGE, MAX_PAGE};

/// Which page a listing asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    /// Rows with an id below this one; `None` for the first page.
    pub before: Option<i64>,
}

impl PageRequest {
    /// Parses the `limit` and `cursor` query parameters; `kind` is the listing's cursor.
    pub fn parse(
        limit: Option<&str>,
        cursor: Option<&str>,
        kind: fn(i64) -> Cursor,
    ) -> Result<Self, InputError> {
        let limit = limit
            .map(|text| text.parse::<i64>().map_err(|_| InputError::InvalidLimit))
            .transpose()?;
        let before = cursor
            .map(|text| Cursor::decode(text, kind).map(Cursor::id))
            .transpose()?;
        Ok(Self {
            limit: parse_limit(limit, DEFAULT_PAGE, MAX_PAGE)?,
            before,
        })
    }

    /// The cursor of the next page when this one is full (`last_id` is its last row).
    pub fn next_cursor(
        &self,
        rows: usize,
        last_id: Option<i64>,
        kind: fn(i64) -> Cursor,
    ) -> Option<String> {
        let full = rows as i64 == self.limit;
        last_id.filter(|_| full).map(|id| kind(id).encode())
    }
}
