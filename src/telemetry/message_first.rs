//! The pretty log line: level and message first, then the event's fields, then its context
//! (the fields of the spans it happened in, e.g. the HTTP request's), so a person reads what
//! happened before where.
//!
//! Written here because tracing-subscriber's formats all put the context first: `Full`
//! writes every span with its fields before the message, `Compact` every span's name.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// `INFO  delivery stored source=auth_hook outcome=inserted  http.method=POST ...`; a
/// target outside this crate (`audit`, `sqlx::postgres::notice`) is named at the end.
pub struct MessageFirst;

impl<S, N> FormatEvent<S, N> for MessageFirst
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let ansi = writer.has_ansi_escapes();
        let (start, end) = match (ansi, *metadata.level()) {
            (false, _) => ("", ""),
            (true, Level::ERROR) => ("\x1b[31m", "\x1b[0m"),
            (true, Level::WARN) => ("\x1b[33m", "\x1b[0m"),
            (true, Level::INFO) => ("\x1b[32m", "\x1b[0m"),
            (true, _) => ("\x1b[34m", "\x1b[0m"),
        };
        write!(writer, "{start}{:<5}{end} ", metadata.level().as_str())?;
        ctx.format_fields(writer.by_ref(), event)?;
        let (dim, undim) = if ansi {
            ("\x1b[2m", "\x1b[0m")
        } else {
            ("", "")
        };
        for span in ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
        {
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                if !fields.is_empty() {
                    write!(writer, "  {dim}{fields}{undim}")?;
                }
            }
        }
        if !metadata.target().starts_with(env!("CARGO_CRATE_NAME")) {
            write!(writer, "  {dim}target={}{undim}", metadata.target())?;
        }
        writeln!(writer)
    }
}
