//! Supabase's Admin API over HTTP (reqwest): the user list and single users, with the
//! service role key as both `apikey` and `Authorization: Bearer`, and backoff on 429 (as
//! long as `retry-after` says) and on 5xx or network errors, up to a cap.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Client, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::domain::{parse_auth_api_user, parse_auth_api_users_page, UserState};
use crate::reconcile::ReconcileError;

/// How the client retries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First wait after a 5xx or network error; doubled each time.
    pub initial: Duration,
    /// Longest wait, whatever `retry-after` asks.
    pub max: Duration,
}

/// Attempts per Admin API request unless told otherwise (`RECONCILE_MAX_ATTEMPTS`'s default).
pub const DEFAULT_ATTEMPTS: u32 = 8;

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: DEFAULT_ATTEMPTS,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

/// One page of the user list.
pub struct Page {
    pub users: Vec<UserState>,
    /// `X-Total-Count`: users in the list when the page was served.
    pub total: u64,
}

/// A client of one project's Admin API.
pub struct AuthApi {
    client: Client,
    users_url: Url,
    backoff: Backoff,
}

impl AuthApi {
    /// `base` is the project URL (`https://<ref>.supabase.co`).
    pub fn new(base: &Url, key: &SecretString, backoff: Backoff) -> Result<Self, ReconcileError> {
        let invalid_key = || {
            ReconcileError::AuthApiSetup("SUPABASE_SERVICE_ROLE_KEY is not a valid header value")
        };
        let mut apikey = HeaderValue::from_str(key.expose_secret()).map_err(|_| invalid_key())?;
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
            .map_err(|_| invalid_key())?;
        // Sensitive values are redacted from reqwest's and hyper's Debug output.
        apikey.set_sensitive(true);
        bearer.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("apikey", apikey);
        headers.insert(AUTHORIZATION, bearer);
        let client = Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            .user_agent(crate::client::USER_AGENT)
            .build()
            .map_err(|_| ReconcileError::AuthApiSetup("cannot build the HTTP client"))?;
        // A base without a trailing slash would lose its last path segment in `join`.
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let users_url = base
            .join("auth/v1/admin/users")
            .map_err(|_| ReconcileError::AuthApiSetup("SUPABASE_URL cannot be a base URL"))?;
        Ok(Self {
            client,
            users_url,
            backoff,
        })
    }

    /// Page `page` (1-based) of `per_page` users.
    pub async fn page(&self, page: u64, per_page: u64) -> Result<Page, ReconcileError> {
        let mut url = self.users_url.clone();
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        let (headers, body) = self.get(url).await?.ok_or(ReconcileError::AuthApiResponse(
            "the user list answered 404".into(),
        ))?;
        let total = headers
            .get("x-total-count")
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse().ok())
            .ok_or_else(|| {
                ReconcileError::AuthApiResponse("the user list has no X-Total-Count header".into())
            })?;
        let users = parse_auth_api_users_page(&body)
            .map_err(|error| ReconcileError::AuthApiResponse(error.to_string()))?;
        Ok(Page { users, total })
    }

    /// User `id`, or `None` when the API says it does not exist (404).
    pub async fn user(&self, id: Uuid) -> Result<Option<UserState>, ReconcileError> {
        let url = self
            .users_url
            .join(&format!("users/{id}"))
            .map_err(|_| ReconcileError::AuthApiSetup("SUPABASE_URL cannot be a base URL"))?;
        match self.get(url).await? {
            None => Ok(None),
            Some((_, body)) => parse_auth_api_user(&body)
                .map(Some)
                .map_err(|error| ReconcileError::AuthApiResponse(error.to_string())),
        }
    }

    /// GET with retries: `Some` on 2xx, `None` on 404, an error otherwise.
    async fn get(&self, url: Url) -> Result<Option<(HeaderMap, Vec<u8>)>, ReconcileError> {
        let mut wait = self.backoff.initial;
        let mut attempt = 1;
        loop {
            let outcome = self.client.get(url.clone()).send().await;
            let retry_in = match outcome {
                Ok(response) if response.status().is_success() => {
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => return Ok(Some((headers, body.to_vec()))),
                        Err(_) => wait,
                    }
                }
                Ok(response) if response.status() == StatusCode::NOT_FOUND => return Ok(None),
                Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS => {
                    retry_after(response.headers()).unwrap_or(wait)
                }
                Ok(response) if response.status().is_server_error() => wait,
                Ok(response) => {
                    return Err(ReconcileError::AuthApiStatus(response.status().as_u16()))
                }
                Err(_) => wait,
            };
            if attempt >= self.backoff.attempts {
                return Err(ReconcileError::AuthApiGaveUp(attempt));
            }
            let pause = retry_in.min(self.backoff.max);
            tracing::warn!(
                path = url.path(),
                attempt,
                retry_in_ms = pause.as_millis() as u64,
                "Admin API request failed; retrying"
            );
            tokio::time::sleep(pause).await;
            wait = (wait * 2).min(self.backoff.max);
            attempt += 1;
        }
    }
}

/// `retry-after` in seconds (GoTrue's form); an HTTP date is not worth a parser here, the
/// backoff applies then.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}
