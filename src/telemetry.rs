//! Logging set-up: JSON lines for production, human-readable output for a terminal (level
//! and message first, `message_first`).

mod message_first;

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_subscriber::{fmt, EnvFilter};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable when standard error is a terminal, JSON otherwise.
    Auto,
    /// One JSON object per line (for Fly.io and log shippers).
    Json,
    /// Human-readable, for a terminal: level and message first, the context after, no time.
    Pretty,
}

impl LogFormat {
    /// Whether lines are written as JSON (`Auto`: when standard error is not a terminal).
    pub fn is_json(self) -> bool {
        match self {
            LogFormat::Json => true,
            LogFormat::Pretty => false,
            LogFormat::Auto => !std::io::stderr().is_terminal(),
        }
    }
}

/// What is logged when `RUST_LOG` is unset: our `info` lines, and only warnings and errors
/// from actix's server (its start-up chatter) and from PostgreSQL's notices (`RUST_LOG=debug`
/// shows them). sqlx's pool warns when a connection it takes back was cut by the server
/// ("error occurred while testing the connection on-release"): after a restart of the
/// database, or while the embedded one stops after the service; it drops that connection and
/// opens another, and an outage is logged by the service itself, once, with what it did.
const DEFAULT_FILTER: &str =
    "info,actix_server=warn,sqlx::postgres::notice=warn,sqlx_core::pool::connection=error";

/// Installs the global subscriber. `RUST_LOG` filters (default: `DEFAULT_FILTER`).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = format.is_json();
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init` so that tests, which may call this more than once, do not panic.
    let _ = if json {
        // The innermost span only (for an audit line, the request's client address): the
        // list of every enclosing span repeated the request's fields in each line.
        builder
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .try_init()
    } else {
        // Colours only on a terminal: a file or a pipe gets plain text.
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .event_format(message_first::MessageFirst)
            .try_init()
    };
}
