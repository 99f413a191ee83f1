//! `POST /admin/reconcile` (start a database reconcile in the background) and
//! `GET /admin/reconcile`, `GET /admin/reconcile/{id}` (its progress).

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::{AdminContext, AdminError};
use crate::admin::reconcile::{ReconcileRequest, ReconcileRun};
use crate::reconcile::database::{self, Options};

/// Starts a reconcile of `public.users` from `auth.users` in the background; poll the
/// `Location` for its progress. At most one runs per database, across instances.
#[utoipa::path(
    post, path = "/admin/reconcile", tag = "reconcile",
    request_body(content = Option<ReconcileRequest>, description = "Optional; an empty body takes the defaults"),
    responses(
        (status = 202, body = ReconcileRun, headers(("location" = String, description = "Where to poll: /admin/reconcile/{id}"))),
        (status = 400, description = "invalid_body, invalid_batch_size"),
        (status = 401, description = "unauthorized"),
        (status = 409, description = "reconcile_running: another reconcile of this database runs (on any instance); auth_users_missing: this database has no auth.users, use `auth-mirror reconcile --from admin-api`"),
        (status = 415, description = "unsupported_media_type"),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    context: web::Data<AdminContext>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let body = parse(&request, &body)?;
    let batch_size = body.batch_size.unwrap_or(database::DEFAULT_BATCH_SIZE);
    if !(1..=database::MAX_BATCH_SIZE).contains(&batch_size) {
        return Err(AdminError::InvalidBatchSize);
    }
    let options = Options {
        batch_size,
        jobs: database::DEFAULT_JOBS,
        dry_run: body.dry_run,
    };
    let run = context
        .reconciles
        .start(context.pool.clone(), options)
        .await?;
    tracing::info!(
        target: "audit", action = "reconcile.start", run_id = %run.id,
        dry_run = run.dry_run, batch_size, "admin call"
    );
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/admin/reconcile/{}", run.id)))
        .json(run))
}

/// The body: empty for the defaults, otherwise a JSON object.
fn parse(request: &HttpRequest, body: &[u8]) -> Result<ReconcileRequest, AdminError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ReconcileRequest::default());
    }
    if request.content_type() != "application/json" {
        return Err(AdminError::UnsupportedMediaType);
    }
    let invalid = |error: serde_json::Error| {
        AdminError::InvalidBody(super::error::describe(&error.to_string()))
    };
    // Only an object: serde would also read a struct from an array.
    match serde_json::from_slice(body).map_err(invalid)? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(invalid),
        _ => Err(AdminError::InvalidBody(
            "the body must be a JSON object".into(),
        )),
    }
}

/// The most recent reconcile started on this instance.
#[utoipa::path(
    get, path = "/admin/reconcile", tag = "reconcile",
    responses(
        (status = 200, body = ReconcileRun),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "reconcile_not_found: none was started on this instance"),
    ),
    security(("bearer" = []))
)]
pub async fn latest(context: web::Data<AdminContext>) -> Result<HttpResponse, AdminError> {
    show_run(context.reconciles.latest())
}

/// A reconcile started on this instance: progress while it runs, totals once done.
#[utoipa::path(
    get, path = "/admin/reconcile/{id}", tag = "reconcile",
    params(("id" = Uuid, Path, description = "The run id `POST /admin/reconcile` answered")),
    responses(
        (status = 200, body = ReconcileRun),
        (status = 401, description = "unauthorized"),
        (status = 404, description = "reconcile_not_found: no run with this id was started on this instance"),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    context: web::Data<AdminContext>,
    id: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let run = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| context.reconciles.get(id));
    show_run(run)
}

fn show_run(run: Option<ReconcileRun>) -> Result<HttpResponse, AdminError> {
    let run = run.ok_or(AdminError::ReconcileNotFound)?;
    tracing::info!(
        target: "audit", action = "reconcile.show", run_id = %run.id,
        state = ?run.state, "admin call"
    );
    Ok(HttpResponse::Ok().json(run))
}
