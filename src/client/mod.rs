//! Clients of a running auth-mirror over HTTP, shared by the commands that talk to one
//! (`send`; the admin API's `events`): one way to build the HTTP client, to turn what the
//! user typed into a URL, and one error type.

pub mod admin;
mod error;
pub mod hooks;
pub mod samples;

use std::time::Duration;

/// The `User-Agent` of every request auth-mirror sends.
pub const USER_AGENT: &str = concat!("auth-mirror/", env!("CARGO_PKG_VERSION"));

use reqwest::{StatusCode, Url};

pub use error::ClientError;

/// What the service answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// What a hook endpoint said it did with the event (its `auth-mirror-*` headers).
    pub report: Option<hooks::Report>,
}

/// An HTTP client with a connect timeout and an overall `timeout` per request.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        .build()
        .map_err(ClientError::Setup)
}

/// `base` as typed by the user; a bare origin (`https://host`, `https://host/`) gets
/// `default_path`, a URL with a path is used as it is.
pub fn endpoint(base: &str, default_path: &str) -> Result<Url, ClientError> {
    let invalid = |reason: String| ClientError::InvalidUrl {
        url: base.to_owned(),
        reason,
    };
    let mut url = Url::parse(base.trim()).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme is {}, not http or https",
            url.scheme()
        )));
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path(default_path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn a_bare_origin_gets_the_default_path() {
        let url = endpoint("https://my-app.fly.dev", "/hooks/auth").unwrap();
        assert_eq!(url.as_str(), "https://my-app.fly.dev/hooks/auth");
        let url = endpoint("http://127.0.0.1:8080/", "/hooks/db").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/hooks/db");
    }

    #[test]
    fn a_url_with_a_path_is_kept() {
        let url = endpoint("https://proxy.example/mirror/hooks/auth", "/hooks/db").unwrap();
        assert_eq!(url.as_str(), "https://proxy.example/mirror/hooks/auth");
    }

    #[test]
    fn unusable_urls_are_refused() {
        for bad in ["my-app.fly.dev", "ftp://host", ""] {
            assert!(endpoint(bad, "/hooks/auth").is_err(), "{bad}");
        }
    }
}
