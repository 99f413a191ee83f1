//! `POST /admin/events/{id}/replay` and `POST /admin/events/replay`.

use actix_web::{web, HttpResponse};

use super::events::refuse_unknown;
use super::{AdminContext, AdminError};
use crate::admin::types::{BulkReplayRequest, BulkReplaySummary, ReplayResult};
use crate::admin::{self, Cursor};
use crate::domain::EventFilter;
use crate::processing::replay;

/// Replays one event through the same apply path as a delivery; answers what came of it.
/// An event that is applied or ignored already is left as it is (`already_done`).
#[utoipa::path(
    post, path = "/admin/events/{id}/replay", tag = "replay",
    params(("id" = i64, Path, description = "Event id")),
    responses(
        (status = 200, body = ReplayResult),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "event_not_found"),
        (status = 409, description = "payload_expunged: there is nothing left to apply"),
    ),
    security(("bearer" = []))
)]
pub async fn replay_one(
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let id = id.into_inner();
    // A refusal (unknown id, expunged payload) is audited where errors become responses.
    let result = replay::replay_one(&context.pool, id, &context.schedule, &context.metrics).await?;
    tracing::info!(
        target: "audit", action = "events.replay", event_id = id,
        outcome = %result.outcome, "admin call"
    );
    Ok(HttpResponse::Ok().json(result))
}

/// Replays failed and dead events matching the filters, in bounded batches (a filter on
/// `applied` or `ignored` matches nothing to replay: a harmless no-op); with `dry_run`, only
/// counts them. Two concurrent calls (from two instances) never apply an event twice.
#[utoipa::path(
    post, path = "/admin/events/replay", tag = "replay",
    request_body = BulkReplayRequest,
    responses(
        (status = 200, body = BulkReplaySummary),
        (status = 400, description = "invalid_body, invalid_status, invalid_source, invalid_kind, invalid_user_id, invalid_time, invalid_time_range, invalid_cursor, invalid_limit, limit_too_large"),
        (status = 401, description = "unauthorized"),
    ),
    security(("bearer" = []))
)]
pub async fn replay_bulk(
    context: web::Data<AdminContext>,
    body: web::Json<BulkReplayRequest>,
) -> Result<HttpResponse, AdminError> {
    refuse_unknown(&body.unknown)?;
    let filter = EventFilter::try_from(&body.filter)?;
    let limit = admin::parse_limit(
        body.limit,
        admin::DEFAULT_BULK_REPLAY,
        admin::MAX_BULK_REPLAY,
    )?;
    let cursor = body
        .cursor
        .as_deref()
        .map(|text| Cursor::decode(text, Cursor::ReplayAfter))
        .transpose()?;
    let summary = if body.dry_run {
        replay::dry_run(&context.pool, &filter, cursor).await?
    } else {
        let (schedule, metrics) = (&context.schedule, &context.metrics);
        replay::replay_bulk(&context.pool, &filter, cursor, limit, schedule, metrics).await?
    };
    tracing::info!(
        target: "audit", action = "events.replay_bulk", filters = %body.filter.audit(),
        dry_run = body.dry_run, limit, matched = summary.matched, replayed = summary.replayed,
        applied = summary.applied, still_failing = summary.still_failing,
        expunged = summary.expunged, "admin call"
    );
    Ok(HttpResponse::Ok().json(summary))
}
