//! `GET /admin/`: is the mirror healthy? Counts by status and source, the oldest failed and
//! dead events, trigger errors and the last hour's deliveries per minute.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::html;

use super::{chart, layout, ConsoleError, SignedIn};
use crate::routes::admin::{service, AdminContext};
use crate::store::stats;

/// The overview page.
pub async fn show(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
) -> Result<HttpResponse, ConsoleError> {
    let summary = service::stats(&context.pool).await?;
    let per_minute = stats::events_per_minute(&context.pool, chart::MINUTES).await?;
    tracing::info!(target: "audit", action = "console.overview", "admin call");
    let events = super::EVENTS;
    let body = html! {
        div.grid {
            section.card aria-labelledby="by-status" {
                h2 id="by-status" { "Events by status" }
                table {
                    @for (status, count) in &summary.by_status {
                        tr {
                            th scope="row" { a href={ (events) "?status=" (status) } { (status) } }
                            td class={ "num status-" (status) } { (count) }
                        }
                    }
                }
            }
            section.card aria-labelledby="by-source" {
                h2 id="by-source" { "By source" }
                @if summary.by_source.is_empty() { p { "No events yet." } }
                table {
                    @for (source, statuses) in &summary.by_source {
                        tr {
                            th scope="row" { a href={ (events) "?source=" (source) } { (source) } }
                            td { @for (status, count) in statuses { (status) " " (count) br; } }
                        }
                    }
                }
            }
            section.card aria-labelledby="oldest" {
                h2 id="oldest" { "Waiting longest" }
                dl {
                    dt { "Oldest failed" }
                    dd { @if let Some(at) = summary.oldest_failed_at { a href={ (events) "?status=failed" } { (layout::time(at)) } } @else { "none" } }
                    dt { "Oldest dead" }
                    dd { @if let Some(at) = summary.oldest_dead_at { a href={ (events) "?status=dead" } { (layout::time(at)) } } @else { "none" } }
                }
            }
            section.card aria-labelledby="trigger" {
                h2 id="trigger" { "Trigger errors" }
                p.hint { "Writes of auth.users the database trigger could not mirror." }
                dl {
                    dt { "Last 24 hours" } dd { (summary.trigger_errors.last_24h) }
                    dt { "In all" } dd { (summary.trigger_errors.total) }
                    dt { "Latest" } dd { @if let Some(at) = summary.trigger_errors.latest_at { (layout::time(at)) } @else { "none" } }
                }
            }
        }
        section aria-labelledby="chart" {
            h2 id="chart" { "Deliveries per minute, last hour (by current status)" }
            (chart::deliveries(&per_minute, chrono::Utc::now()))
        }
    };
    let page = layout::page("Overview", Some(&signed_in.csrf), body);
    Ok(layout::respond(StatusCode::OK, &page))
}
