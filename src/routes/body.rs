//! Reading a webhook's raw body: bounded in size and in time before anything is computed,
//! never re-serialised.

use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::HttpRequest;
use futures_util::StreamExt;

use super::body_guard::BodyTimedOut;
use super::error::ApiError;

/// Checks the content type and reads at most `limit` bytes. A declared `Content-Length`
/// over the limit is refused before a byte is read. The whole body must arrive within
/// `BODY_READ_TIMEOUT_MS` (the deadline is `body_guard`'s, for every route).
pub async fn read_json_body(
    request: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    if !is_json(request) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| match BodyTimedOut::of(&error) {
            Some(timeout) => ApiError::BodyTimeout { timeout },
            None => ApiError::UnreadableBody,
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
fn is_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}
