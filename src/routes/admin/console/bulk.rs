//! Replaying every failed and dead event that matches a filter: `GET` counts them (the dry
//! run) and asks for confirmation; the confirmation form `POST`s the same filter.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::filters::FilterFields;
use super::{layout, ConsoleError, SignedIn};
use crate::admin::{self, Cursor};
use crate::domain::EventFilter;
use crate::processing::replay;
use crate::routes::admin::AdminContext;

/// The filter, the cursor of a run to continue, and (for the `POST`) the CSRF token.
#[derive(Deserialize)]
pub struct BulkFields {
    #[serde(flatten)]
    filter: FilterFields,
    cursor: Option<String>,
    csrf: Option<String>,
}

impl BulkFields {
    fn parse(&self) -> Result<(EventFilter, Option<Cursor>), ConsoleError> {
        let filter = EventFilter::try_from(&self.filter.raw())?;
        let cursor = self
            .cursor
            .as_deref()
            .filter(|text| !text.is_empty())
            .map(|text| Cursor::decode(text, Cursor::ReplayAfter))
            .transpose()?;
        Ok((filter, cursor))
    }
}

/// `GET /admin/console/events/replay`: the dry-run count and the confirmation form.
pub async fn confirm(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    query: web::Query<BulkFields>,
) -> Result<HttpResponse, ConsoleError> {
    let (filter, cursor) = query.parse()?;
    let count = replay::dry_run(&context.pool, &filter, cursor).await?;
    let replayable = count.matched - count.expunged;
    let described = describe(&query.filter);
    tracing::info!(
        target: "audit", action = "console.events.replay_bulk", filters = %query.filter.raw().audit(),
        dry_run = true, matched = count.matched, "admin call"
    );
    let body = html! {
        p { "Filter: " (described) }
        p id="dry-run" role="status" {
            strong { (count.matched) } " failed or dead events match; "
            strong { (replayable) } " can be replayed"
            @if count.expunged > 0 { " (" (count.expunged) " have an expunged payload)" }
            "."
        }
        @if replayable > 0 {
            form method="post" action={ (super::EVENTS) "/replay" } {
                (query.filter.hidden())
                @if let Some(cursor) = &query.cursor { input type="hidden" name="cursor" value=(cursor); }
                input type="hidden" name="csrf" value=(signed_in.csrf);
                p.actions {
                    button.primary type="submit" { "Replay " (replayable.min(admin::DEFAULT_BULK_REPLAY)) " events" }
                    a href={ (super::EVENTS) "?" (query.filter.query(&[])) } { "Cancel" }
                }
            }
        } @else {
            p { a href={ (super::EVENTS) "?" (query.filter.query(&[])) } { "Back to the events" } }
        }
    };
    let page = layout::page("Replay matching events", Some(&signed_in.csrf), body);
    Ok(layout::respond(StatusCode::OK, &page))
}

/// `POST /admin/console/events/replay`: replays up to 1,000 events and says what came of it.
pub async fn replay(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    form: web::Form<BulkFields>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    let (filter, cursor) = form.parse()?;
    let limit = admin::DEFAULT_BULK_REPLAY;
    let (schedule, metrics) = (&context.schedule, &context.metrics);
    let done =
        replay::replay_bulk(&context.pool, &filter, cursor, limit, schedule, metrics).await?;
    tracing::info!(
        target: "audit", action = "console.events.replay_bulk", filters = %form.filter.raw().audit(),
        dry_run = false, limit, matched = done.matched, replayed = done.replayed,
        applied = done.applied, still_failing = done.still_failing, "admin call"
    );
    // Success only when everything replayed is settled: "0 applied, 2 still failing" warns.
    let settled = done.applied > 0 && done.still_failing == 0;
    let body = html! {
        p.notice.warn[!settled] id="bulk-result" role="status" {
            "Replayed " strong { (done.replayed) } " events: "
            (done.applied) " applied, " (done.still_failing) " still failing, "
            (done.ignored) " ignored; " (done.skipped) " skipped (being applied elsewhere), "
            (done.expunged) " with an expunged payload."
        }
        @if let Some(cursor) = &done.next_cursor {
            p { a href={ (super::EVENTS) "/replay?" (form.filter.query(&[("cursor", cursor)])) } { "More match: replay the next events…" } }
        }
        p { a href={ (super::EVENTS) "?" (form.filter.query(&[])) } { "Back to the events" } }
    };
    let page = layout::page("Replay done", Some(&signed_in.csrf), body);
    Ok(layout::respond(StatusCode::OK, &page))
}

fn describe(filter: &FilterFields) -> String {
    let pairs = filter.pairs();
    if pairs.is_empty() {
        return "every failed and dead event".to_owned();
    }
    let parts: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect();
    parts.join(", ")
}
