//! The admin console (`/admin/`) in a real headless Chromium driven over WebDriver, and its
//! session and CSRF rules through plain HTTP; against the real app and PostgreSQL.

mod browser;
mod flows;
mod forms;
mod http;
mod layout;
mod pages;
mod quarantine;
mod sessions;
mod setup;
