//! `GET /admin/events`, `GET /admin/events/{id}` and `DELETE /admin/events/{id}/payload`.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{service, AdminContext, AdminError};
use crate::admin::types::{EventDetail, EventPage, Expunged};
use crate::admin::{Cursor, InputError, PageRequest, RawFilter};
use crate::domain::EventFilter;
use crate::store::admin_events;

/// The query string of `GET /admin/events`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: RawFilter,
    limit: Option<String>,
    cursor: Option<String>,
    /// Anything else is refused, so that a misspelt filter is not silently ignored.
    #[serde(flatten)]
    unknown: BTreeMap<String, String>,
}

/// Refuses the first unknown parameter or field.
pub(super) fn refuse_unknown<V>(unknown: &BTreeMap<String, V>) -> Result<(), InputError> {
    match unknown.keys().next() {
        Some(name) => Err(InputError::UnknownParameter(format!(
            "unknown field `{name}`"
        ))),
        None => Ok(()),
    }
}

/// Lists stored events, newest first, a page at a time.
#[utoipa::path(
    get, path = "/admin/events", tag = "events",
    params(
        RawFilter,
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 500 (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "invalid_status, invalid_source, invalid_kind, invalid_user_id, invalid_time, invalid_time_range, invalid_cursor, invalid_limit, limit_too_large, invalid_parameter"),
        (status = 401, description = "unauthorized"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    context: web::Data<AdminContext>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AdminError> {
    refuse_unknown(&query.unknown)?;
    let filter = EventFilter::try_from(&query.filter)?;
    let page = PageRequest::parse(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        Cursor::EventsBefore,
    )?;
    let page = service::events(&context.pool, &filter, page).await?;
    tracing::info!(
        target: "audit", action = "events.list", filters = %query.filter.audit(),
        count = page.items.len(), "admin call"
    );
    Ok(HttpResponse::Ok().json(page))
}

/// The query string of `GET /admin/events/{id}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShowQuery {
    /// `true` to include the stored payload (personal data).
    #[serde(default)]
    payload: bool,
}

/// One event: metadata, attempts, last error, how it was applied; the payload on request.
#[utoipa::path(
    get, path = "/admin/events/{id}", tag = "events",
    params(("id" = i64, Path, description = "Event id"), ShowQuery),
    responses(
        (status = 200, body = EventDetail),
        (status = 400, description = "invalid_id, invalid_parameter"),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "event_not_found"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AdminError> {
    let id = id.into_inner();
    let detail = service::event(&context.pool, id, query.payload)
        .await?
        .ok_or(AdminError::EventNotFound)?;
    // Audited without the payload itself: only that it was shown.
    tracing::info!(target: "audit", action = "events.show", event_id = id, payload = query.payload, "admin call");
    Ok(HttpResponse::Ok().json(detail))
}

/// Removes an event's stored payload (personal data removal); its outcome stays.
#[utoipa::path(
    delete, path = "/admin/events/{id}/payload", tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    responses(
        (status = 200, body = Expunged),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "event_not_found"),
    ),
    security(("bearer" = []))
)]
pub async fn expunge(
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let id = id.into_inner();
    let status = admin_events::expunge_payload(&context.pool, id)
        .await?
        .ok_or(AdminError::EventNotFound)?;
    tracing::info!(target: "audit", action = "events.expunge", event_id = id, "admin call");
    Ok(HttpResponse::Ok().json(Expunged {
        id,
        status,
        payload_expunged: true,
    }))
}
