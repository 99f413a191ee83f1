//! Logging set-up: JSON lines for production, human-readable output for a terminal.

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
    /// Human-readable, for a terminal.
    Pretty,
}

/// Installs the global subscriber. `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init` so that tests, which may call this more than once, do not panic.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
