//! The one error type of the clients of a running instance (`send`, `events`). Messages
//! never carry a secret, a token or a body.

use reqwest::Url;

/// What went wrong talking to a running instance.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL the user gave cannot be used.
    #[error("{url:?} is not a usable URL: {reason} (expected e.g. https://my-app.fly.dev)")]
    InvalidUrl { url: String, reason: String },
    /// No answer: connection refused, DNS, TLS, or the timeout.
    #[error("cannot reach {url} (is auth-mirror running there? check --url)")]
    NoAnswer {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(#[source] reqwest::Error),
    /// The admin API refused the call with its error body.
    #[error("the admin API answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// An answer that is not the admin API's.
    #[error("the admin API answered {status} without a readable body (is {url} auth-mirror with ADMIN_TOKEN set?)")]
    Unexpected { status: u16, url: String },
}

impl ClientError {
    /// A `map_err` for a request to `url` that got no answer.
    pub fn no_answer(url: &Url) -> impl Fn(reqwest::Error) -> Self + '_ {
        move |source| Self::NoAnswer {
            url: url.to_string(),
            source,
        }
    }
}
