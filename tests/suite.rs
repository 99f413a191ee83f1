//! The whole suite of black-box tests, in one test binary: the real application, the real
//! binary and the real browser against real PostgreSQL.
//!
//! One binary, not one per part: cargo runs test binaries one after another, so each part's
//! waits (on a browser, a child process, a deadline) were the run's waits; here the tests of
//! every part run side by side, on one throwaway cluster and one template database.
//!
//! - `api`: the application on a real socket (tests/api/);
//! - `cli`: the binary as a process, the README's steps, the layers of `src/` (tests/cli/);
//! - `console`: the admin console in headless Chromium (tests/console/);
//! - `deploy`: fly.toml, the Dockerfile, the entrypoint, shutdown, crashes, an outage
//!   (tests/deploy/).

mod api;
mod cli;
mod console;
mod deploy;

// The harness, by the names the tests use (`crate::helpers`, `crate::payloads`).
use api::{admin, helpers, payloads, signature};
