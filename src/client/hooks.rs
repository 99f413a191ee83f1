//! Posting a delivery to `/hooks/auth` or `/hooks/db`, signed as Supabase signs it (the same
//! signing code the service verifies with).

use reqwest::header::HeaderMap;
use reqwest::Url;
use serde_json::Value;

use super::{Answer, ClientError};
use crate::domain::reported::{Reported, DUPLICATE_HEADER, ERROR_HEADER, OUTCOME_HEADER};
use crate::webhook::{sign, WebhookKey};

/// What a hook endpoint reported about the event, from its `auth-mirror-*` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `auth-mirror-outcome` as sent.
    pub outcome_text: String,
    /// The same, when it is a value this version knows.
    pub outcome: Option<Reported>,
    /// A copy of an event stored before: `outcome` is the first delivery's.
    pub duplicate: bool,
    /// Why it failed, as stored.
    pub error: Option<String>,
}

impl Report {
    /// The report in `headers`; `None` without `auth-mirror-outcome`.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let outcome_text = text(OUTCOME_HEADER)?;
        Some(Self {
            outcome: Reported::parse(&outcome_text),
            outcome_text,
            duplicate: text(DUPLICATE_HEADER).as_deref() == Some("true"),
            error: text(ERROR_HEADER),
        })
    }
}

/// POSTs `body` as JSON with Standard Webhooks headers: a fresh `webhook-id`, the
/// timestamp `now_unix` and a `v1` signature with `key`.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &Url,
    key: &WebhookKey,
    now_unix: i64,
    body: Vec<u8>,
) -> Result<Answer, ClientError> {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let signature = sign(key, &id, now_unix, &body);
    let no_answer = ClientError::no_answer(url);
    let response = client
        .post(url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", now_unix.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(&no_answer)?;
    let status = response.status();
    let report = Report::from_headers(response.headers());
    let body = response.text().await.map_err(no_answer)?;
    Ok(Answer {
        status,
        body,
        report,
    })
}

/// Whether Supabase Auth would take `answer` as success for an Auth Hook: 2xx, and no
/// `error` object in the body (Supabase reads a rejection from a 200's body).
pub fn auth_hook_accepted(answer: &Answer) -> bool {
    answer.status.is_success() && !has_error_object(&answer.body)
}

/// Whether a database event was accepted: any 2xx.
pub fn db_event_accepted(answer: &Answer) -> bool {
    answer.status.is_success()
}

fn has_error_object(body: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| value.get("error").cloned())
        .is_some_and(|error| !error.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.to_owned(),
            report: None,
        }
    }

    #[test]
    fn an_auth_hook_is_accepted_only_by_a_2xx_without_an_error_object() {
        assert!(auth_hook_accepted(&answer(200, "{}")));
        assert!(auth_hook_accepted(&answer(204, "")));
        assert!(!auth_hook_accepted(&answer(
            200,
            r#"{"error":{"http_code":500,"message":"no"}}"#
        )));
        assert!(!auth_hook_accepted(&answer(401, "{}")));
        assert!(!auth_hook_accepted(&answer(503, "")));
    }

    #[test]
    fn a_db_event_is_accepted_by_any_2xx() {
        assert!(db_event_accepted(&answer(200, "{}")));
        assert!(!db_event_accepted(&answer(422, "{}")));
    }
}
