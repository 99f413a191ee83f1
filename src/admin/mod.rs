//! The admin API's vocabulary, shared by the HTTP layer, replay, reconcile and the `events`
//! client: filters as sent, opaque cursors, input errors and the JSON documents the API
//! answers with. It depends on `domain/` only; what the store reads for it (the parsed
//! filter, an event's summary) is `domain::admin_view`.

mod cursor;
mod error;
mod filter;
mod page;
pub mod reconcile;
pub mod types;

pub use cursor::Cursor;
pub use error::InputError;
pub use filter::{parse_limit, RawFilter};
pub use page::PageRequest;

/// Largest page of `GET /admin/events` and `GET /admin/trigger-errors`.
pub const MAX_PAGE: i64 = 500;
/// Page size when `limit` is not given.
pub const DEFAULT_PAGE: i64 = 50;
/// Most events one bulk replay call may replay; continue with the returned cursor.
pub const MAX_BULK_REPLAY: i64 = 100_000;
/// Events one bulk replay call replays when `limit` is not given.
pub const DEFAULT_BULK_REPLAY: i64 = 1_000;
