//! A client of the admin API (`/admin`), for `auth-mirror events`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::ClientError;
use crate::admin::types::{
    BulkReplayRequest, BulkReplaySummary, EventDetail, EventPage, ReplayResult, Stats,
};
use crate::admin::RawFilter;

/// How long one admin call may take (a bulk replay call handles at most one chunk).
const TIMEOUT: Duration = Duration::from_secs(300);

/// A running instance's admin API.
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: SecretString,
}

impl AdminClient {
    /// A client of the instance at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: SecretString) -> Result<Self, ClientError> {
        Ok(Self {
            http: super::http_client(TIMEOUT)?,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// `GET /admin/events`.
    pub async fn list(
        &self,
        filter: &RawFilter,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<EventPage, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        query.extend(limit.map(|limit| ("limit", limit.to_string())));
        query.extend(cursor.map(|cursor| ("cursor", cursor.to_owned())));
        let request = self.request(reqwest::Method::GET, "/admin/events");
        self.call(request.query(filter).query(&query)).await
    }

    /// `GET /admin/events/{id}`.
    pub async fn show(&self, id: i64, payload: bool) -> Result<EventDetail, ClientError> {
        let path = format!("/admin/events/{id}");
        let request = self.request(reqwest::Method::GET, &path);
        self.call(request.query(&[("payload", payload)])).await
    }

    /// `POST /admin/events/{id}/replay`.
    pub async fn replay_one(&self, id: i64) -> Result<ReplayResult, ClientError> {
        let path = format!("/admin/events/{id}/replay");
        self.call(self.request(reqwest::Method::POST, &path)).await
    }

    /// `POST /admin/events/replay`.
    pub async fn replay_bulk(
        &self,
        request: &BulkReplayRequest,
    ) -> Result<BulkReplaySummary, ClientError> {
        let builder = self.request(reqwest::Method::POST, "/admin/events/replay");
        self.call(builder.json(request)).await
    }

    /// `GET /admin/stats`.
    pub async fn stats(&self) -> Result<Stats, ClientError> {
        self.call(self.request(reqwest::Method::GET, "/admin/stats"))
            .await
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.expose_secret())
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|source| ClientError::NoAnswer {
                url: self.base.clone(),
                source,
            })?;
        let status = response.status();
        let unexpected = || ClientError::Unexpected {
            status: status.as_u16(),
            url: self.base.clone(),
        };
        if status.is_success() {
            return response.json().await.map_err(|_| unexpected());
        }
        let body: ErrorBody = response.json().await.map_err(|_| unexpected())?;
        Err(ClientError::Api {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        })
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    error: ErrorFields,
}

#[derive(serde::Deserialize)]
struct ErrorFields {
    code: String,
    message: String,
}
