//! `GET /admin/console/events`: the events table, filtered like `GET /admin/events` and
//! paged by the same cursor.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::filters::FilterFields;
use super::{layout, ConsoleError, SignedIn};
use crate::admin::{Cursor, PageRequest};
use crate::domain::{EventFilter, EventSummary};
use crate::routes::admin::{service, AdminContext};

/// The filters and the page.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: FilterFields,
    cursor: Option<String>,
}

/// The events page; a filter that does not parse is shown with its reason (400).
pub async fn list(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let raw = query.filter.raw();
    let parsed = EventFilter::try_from(&raw).and_then(|filter| {
        let page = PageRequest::parse(None, query.cursor.as_deref(), Cursor::EventsBefore)?;
        Ok((filter, page))
    });
    let (filter, page) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let body = html! {
                (query.filter.form(super::EVENTS))
                p.notice.bad role="alert" { (error) }
            };
            let page = layout::page("Events", Some(&signed_in.csrf), body);
            return Ok(layout::respond(StatusCode::BAD_REQUEST, &page));
        }
    };
    let events = service::events(&context.pool, &filter, page).await?;
    tracing::info!(
        target: "audit", action = "console.events.list", filters = %raw.audit(),
        count = events.items.len(), "admin call"
    );
    let body = html! {
        (query.filter.form(super::EVENTS))
        p {
            a href={ (super::EVENTS) "/replay?" (query.filter.query(&[])) } {
                "Replay the failed and dead events matching this filter…"
            }
        }
        (table(&events.items))
        @if let Some(cursor) = &events.next_cursor {
            p { a rel="next" href={ (super::EVENTS) "?" (query.filter.query(&[("cursor", cursor)])) } { "Older events →" } }
        }
    };
    let page = layout::page("Events", Some(&signed_in.csrf), body);
    Ok(layout::respond(StatusCode::OK, &page))
}

fn table(items: &[EventSummary]) -> Markup {
    html! {
        @if items.is_empty() {
            p { "No events match." }
        } @else {
            // A phone scrolls the table sideways, not the page.
            div.scroll { table {
                caption.hint { "Newest first. Select an id for the event's details and actions." }
                thead { tr {
                    th scope="col" { "Id" } th scope="col" { "Received" } th scope="col" { "Source" }
                    th scope="col" { "Kind" } th scope="col" { "Status" } th scope="col" { "Attempts" }
                    th scope="col" { "User id" } th scope="col" { "Last error" }
                } }
                tbody {
                    @for event in items {
                        tr {
                            td { a href={ (super::EVENTS) "/" (event.id) } { (event.id) } }
                            td { (layout::time(event.received_at)) }
                            td { (event.source) }
                            td { (event.kind) }
                            td class={ "status-" (event.status) } { (event.status) }
                            td.num { (event.attempts) }
                            td { @if let Some(user) = event.user_id { code { (user) } } }
                            td { (event.last_error.as_deref().unwrap_or("")) }
                        }
                    }
                }
            } }
        }
    }
}
