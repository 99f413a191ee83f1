//! `GET /admin/console/quarantine`: the spooled records this instance's drainer moved aside
//! because the database refused them for good (`GET /admin/spool/quarantine` for people),
//! each with a replay form for when the cause is fixed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{TimeZone, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::{layout, ConsoleError, CsrfForm, SignedIn};
use crate::processing::group_commit::GroupCommit;
use crate::processing::spool::{replay_quarantined, QuarantineReplayError, Quarantined, Spool};
use crate::routes::admin::AdminError;

/// `?done=` names what the last replay did.
#[derive(Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

/// The quarantine page.
pub async fn list(
    signed_in: SignedIn,
    spool: web::Data<Spool>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let records = spool.quarantined().await.map_err(|error| {
        tracing::error!(%error, "console: cannot read the spool's quarantine");
        AdminError::Unavailable
    })?;
    tracing::info!(target: "audit", action = "console.quarantine.list", "admin call");
    let body = html! {
        @if let Some((done, settled)) = query.done.as_deref().and_then(done_message) {
            p.notice.warn[!settled] role="status" { (done) }
        }
        p.hint {
            "Spooled deliveries the database refused for good (the same refusal of their data "
            "five times in a row), kept on this instance's volume so the spool moves on. "
            "Fix the cause, then replay them; the bodies hold personal data and are not shown."
        }
        (table(&records, &signed_in.csrf))
    };
    let page = layout::page("Quarantine", Some(&signed_in.csrf), body);
    Ok(layout::respond(StatusCode::OK, &page))
}

/// `POST /admin/console/quarantine/{name}/replay`: stores the record like a delivery; refused
/// again, it stays.
pub async fn replay(
    signed_in: SignedIn,
    spool: web::Data<Spool>,
    group_commit: web::Data<GroupCommit>,
    name: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    let name = name.into_inner();
    let done = match replay_quarantined(&spool, &group_commit, &name).await {
        Ok(_) => "stored",
        Err(QuarantineReplayError::NotFound) => return Err(ConsoleError::NotFound),
        Err(error) => {
            tracing::warn!(%error, "console: a quarantined record was not stored");
            "refused"
        }
    };
    tracing::info!(
        target: "audit", action = "console.quarantine.replay", record = %name,
        done, "admin call"
    );
    Ok(layout::see_other(&format!(
        "{}?done={done}",
        super::QUARANTINE
    )))
}

/// What the last replay did, and whether that settled the record (else the notice warns).
fn done_message(done: &str) -> Option<(&'static str, bool)> {
    Some(match done {
        "stored" => (
            "Replayed: the record is stored and left the quarantine.",
            true,
        ),
        "refused" => (
            "Replayed: the database refused it again; it stays in the quarantine.",
            false,
        ),
        _ => return None,
    })
}

fn table(records: &[Quarantined], csrf: &str) -> Markup {
    html! {
        @if records.is_empty() {
            p { "The quarantine is empty." }
        } @else {
            // A phone scrolls the table sideways, not the page.
            div.scroll { table {
                caption.hint { "Oldest first." }
                thead { tr {
                    th scope="col" { "Record" } th scope="col" { "Signed at" }
                    th scope="col" { "Source" } th scope="col" { "Webhook id" }
                    th scope="col" { "Bytes" } th scope="col" { "Refused with" }
                    th scope="col" { "Action" }
                } }
                tbody {
                    @for record in records {
                        tr {
                            td { code { (record.name) } }
                            td { (signed_at(record.timestamp)) }
                            td { (record.source) }
                            td { code { (record.webhook_id) } }
                            td.num { (record.body_bytes) }
                            td { (record.reason) }
                            td {
                                form method="post" action={ (super::QUARANTINE) "/" (record.name) "/replay" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.primary type="submit" { "Replay" }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn signed_at(timestamp: i64) -> Markup {
    match Utc.timestamp_opt(timestamp, 0).single() {
        Some(at) => layout::time(at),
        None => html! { "—" },
    }
}
