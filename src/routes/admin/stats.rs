//! `GET /admin/stats` and `GET /admin/trigger-errors`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{service, AdminContext, AdminError};
use crate::admin::types::{Stats, TriggerErrorPage};
use crate::admin::{Cursor, PageRequest};
use crate::store::stats;

/// Counts per status and source, the oldest failed and dead events, trigger errors.
#[utoipa::path(
    get, path = "/admin/stats", tag = "stats",
    responses((status = 200, body = Stats), (status = 401, description = "unauthorized")),
    security(("bearer" = []))
)]
pub async fn stats(context: web::Data<AdminContext>) -> Result<HttpResponse, AdminError> {
    let stats = service::stats(&context.pool).await?;
    tracing::info!(target: "audit", action = "stats", "admin call");
    Ok(HttpResponse::Ok().json(stats))
}

/// The query string of `GET /admin/trigger-errors`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 500 (default 50).
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// What the `auth.users` trigger failed to mirror, newest first.
#[utoipa::path(
    get, path = "/admin/trigger-errors", tag = "stats",
    params(PageQuery),
    responses(
        (status = 200, body = TriggerErrorPage),
        (status = 400, description = "invalid_cursor, invalid_limit, limit_too_large, invalid_parameter"),
        (status = 401, description = "unauthorized"),
    ),
    security(("bearer" = []))
)]
pub async fn trigger_errors(
    context: web::Data<AdminContext>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AdminError> {
    let page = PageRequest::parse(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        Cursor::TriggerErrorsBefore,
    )?;
    let items = stats::list_trigger_errors(&context.pool, page.before, page.limit).await?;
    let last_id = items.last().map(|last| last.id);
    let next_cursor = page.next_cursor(items.len(), last_id, Cursor::TriggerErrorsBefore);
    tracing::info!(target: "audit", action = "trigger_errors.list", count = items.len(), "admin call");
    Ok(HttpResponse::Ok().json(TriggerErrorPage { items, next_cursor }))
}
