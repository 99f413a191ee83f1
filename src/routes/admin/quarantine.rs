//! `GET /admin/spool/quarantine` and `POST /admin/spool/quarantine/{name}/replay`: spooled
//! records the database refused for good, kept aside by this instance's drainer, and their
//! replay once the cause is fixed.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AdminError;
use crate::processing::group_commit::GroupCommit;
use crate::processing::spool::{replay_quarantined, QuarantineReplayError, Quarantined, Spool};

/// One quarantined record (its body is not shown: it holds personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedRecord {
    /// Names the record in `POST /admin/spool/quarantine/{name}/replay`.
    pub name: String,
    /// `auth_hook` or `db_webhook`.
    pub source: &'static str,
    pub webhook_id: String,
    /// `webhook-timestamp` of the delivery, unix seconds.
    pub timestamp: i64,
    pub body_bytes: usize,
    /// Why the database refused it (a SQLSTATE).
    pub reason: String,
}

/// This instance's quarantine, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    pub records: Vec<QuarantinedRecord>,
}

/// The answer of a replayed quarantined record.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineReplayed {
    pub name: String,
    /// What storing it came to, as the deliveries metric names it (`inserted`, `duplicate` ...).
    pub outcome: &'static str,
}

/// Lists the records this instance's spool drainer moved aside because the database refused
/// them for good (they are kept until replayed).
#[utoipa::path(
    get, path = "/admin/spool/quarantine", tag = "spool",
    responses(
        (status = 200, body = QuarantineList),
        (status = 401, description = "unauthorized"),
    ),
    security(("bearer" = []))
)]
pub async fn list(spool: web::Data<Spool>) -> Result<HttpResponse, AdminError> {
    let records = spool.quarantined().await.map_err(|error| {
        tracing::error!(%error, "admin API: cannot read the spool's quarantine");
        AdminError::Unavailable
    })?;
    let records = records.into_iter().map(record).collect();
    Ok(HttpResponse::Ok().json(QuarantineList { records }))
}

/// Stores a quarantined record through the same path as a delivery, then deletes it from the
/// quarantine; refused again, it stays.
#[utoipa::path(
    post, path = "/admin/spool/quarantine/{name}/replay", tag = "spool",
    params(("name" = String, Path, description = "The record's name, from the listing")),
    responses(
        (status = 200, body = QuarantineReplayed),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "not_found"),
        (status = 503, description = "unavailable: the database did not take it; it stays"),
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    spool: web::Data<Spool>,
    group_commit: web::Data<GroupCommit>,
    name: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let name = name.into_inner();
    let outcome = replay_quarantined(&spool, &group_commit, &name)
        .await
        .map_err(|error| match error {
            QuarantineReplayError::NotFound => AdminError::NotFound,
            other => {
                tracing::warn!(error = %other, "admin API: a quarantined record was not stored");
                AdminError::Unavailable
            }
        })?;
    tracing::info!(
        target: "audit", action = "spool.quarantine.replay", record = %name,
        outcome = outcome.label(), "admin call"
    );
    Ok(HttpResponse::Ok().json(QuarantineReplayed {
        name,
        outcome: outcome.label(),
    }))
}

fn record(quarantined: Quarantined) -> QuarantinedRecord {
    QuarantinedRecord {
        name: quarantined.name,
        source: quarantined.source,
        webhook_id: quarantined.webhook_id,
        timestamp: quarantined.timestamp,
        body_bytes: quarantined.body_bytes,
        reason: quarantined.reason,
    }
}
