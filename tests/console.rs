//! The admin console (`/admin/`) in a real headless Chromium driven over WebDriver, and its
//! session and CSRF rules through plain HTTP; against the real app and PostgreSQL.

// The API tests' harness, shared as it is (not every helper is used here).
#[path = "api"]
mod api {
    #[allow(dead_code, unused_imports)]
    pub mod helpers;
    #[allow(dead_code)]
    pub mod payloads;
}
use api::{helpers, payloads};

mod console {
    mod browser;
    mod flows;
    mod forms;
    mod http;
    mod layout;
    mod pages;
    mod quarantine;
    mod sessions;
    mod setup;
}
