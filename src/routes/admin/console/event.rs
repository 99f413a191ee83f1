//! `GET /admin/console/events/{id}`: one event (the payload only on request) with its
//! actions, replay and expunge, each a plain form with the CSRF token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::{layout, ConsoleError, CsrfForm, SignedIn};
use crate::admin::types::EventDetail;
use crate::processing::replay;
use crate::routes::admin::{service, AdminContext, AdminError};
use crate::store::admin_events;

/// `?payload=1` to show the payload; `?done=` names what the last action did.
#[derive(Deserialize)]
pub struct ShowQuery {
    payload: Option<String>,
    done: Option<String>,
}

/// The event page.
pub async fn show(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let with_payload = query.payload.is_some();
    let event = service::event(&context.pool, id, with_payload)
        .await?
        .ok_or(AdminError::EventNotFound)?;
    // Audited without the payload itself: only that it was shown.
    tracing::info!(target: "audit", action = "console.events.show", event_id = id, payload = with_payload, "admin call");
    let body = html! {
        @if let Some((done, settled)) = query.done.as_deref().and_then(done_message) {
            p.notice.warn[!settled] role="status" { (done) }
        }
        (metadata(&event))
        (actions(&event, &signed_in.csrf))
        h2 { "Payload" }
        (payload(&event))
    };
    let title = format!("Event {id}");
    Ok(layout::respond(
        StatusCode::OK,
        &layout::page(&title, Some(&signed_in.csrf), body),
    ))
}

/// `POST /admin/console/events/{id}/replay`: replays it through the normal apply path.
pub async fn replay(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    let id = id.into_inner();
    let result = replay::replay_one(&context.pool, id, &context.schedule, &context.metrics)
        .await
        .map_err(AdminError::from)?;
    tracing::info!(
        target: "audit", action = "console.events.replay", event_id = id,
        outcome = %result.outcome, "admin call"
    );
    Ok(layout::see_other(&format!(
        "{}/{id}?done={}",
        super::EVENTS,
        result.outcome
    )))
}

/// The expunge form: the CSRF token and the ticked confirmation.
#[derive(Deserialize)]
pub struct ExpungeForm {
    csrf: Option<String>,
    confirm: Option<String>,
}

/// `POST /admin/console/events/{id}/expunge`: removes the stored payload, once confirmed.
pub async fn expunge(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    id: web::Path<i64>,
    form: web::Form<ExpungeForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    if form.confirm.as_deref() != Some("yes") {
        let reason = "tick the box to confirm: an expunged payload cannot be restored";
        return Err(ConsoleError::BadForm(reason.into()));
    }
    let id = id.into_inner();
    admin_events::expunge_payload(&context.pool, id)
        .await?
        .ok_or(AdminError::EventNotFound)?;
    tracing::info!(target: "audit", action = "console.events.expunge", event_id = id, "admin call");
    Ok(layout::see_other(&format!(
        "{}/{id}?done=expunged",
        super::EVENTS
    )))
}

/// What the last action did, and whether that settled the event (else the notice warns).
fn done_message(done: &str) -> Option<(&'static str, bool)> {
    Some(match done {
        "applied" => ("Replayed: the event is applied now.", true),
        "still_failing" => ("Replayed: it failed again (see the last error).", false),
        "ignored" => ("Replayed: the event is only recorded (ignored).", true),
        "already_done" => (
            "Nothing to replay: the event was applied or ignored already.",
            true,
        ),
        "expunged" => ("The payload is expunged.", true),
        _ => return None,
    })
}

fn metadata(event: &EventDetail) -> Markup {
    let summary = &event.summary;
    html! {
        dl {
            dt { "Status" } dd class={ "status-" (summary.status) } { (summary.status) }
            dt { "Source" } dd { (summary.source) }
            dt { "Kind" } dd { (summary.kind) }
            dt { "User id" } dd { @if let Some(user) = summary.user_id { code { (user) } } @else { "—" } }
            dt { "Attempts" } dd { (summary.attempts) }
            dt { "Last error" } dd { (summary.last_error.as_deref().unwrap_or("—")) }
            dt { "Applied via" } dd { (summary.applied_via.as_deref().unwrap_or("—")) }
            dt { "Effect" } dd { (summary.effect.as_deref().unwrap_or("—")) }
            dt { "Received" } dd { (layout::time(summary.received_at)) }
            dt { "Signed at" } dd { (layout::time(event.signed_at)) }
            dt { "Last attempt" } dd { (layout::optional_time(event.last_attempt_at)) }
            dt { "Next retry" } dd { (layout::optional_time(summary.next_attempt_at)) }
            dt { "Updated" } dd { (layout::time(event.updated_at)) }
            dt { "Webhook id" } dd { code { (event.webhook_id) } }
        }
    }
}

fn actions(event: &EventDetail, csrf: &str) -> Markup {
    let base = format!("{}/{}", super::EVENTS, event.summary.id);
    let replayable = matches!(event.summary.status.as_str(), "failed" | "dead");
    html! {
        div.actions {
            @if replayable && !event.payload_expunged {
                form method="post" action={ (base) "/replay" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button.primary type="submit" { "Replay this event" }
                }
            }
            @if !event.payload_expunged {
                // Its own framed box: the confirmation belongs to expunge, not to replay.
                form method="post" action={ (base) "/expunge" } {
                    fieldset.danger {
                        legend { "Remove the stored payload" }
                        input type="hidden" name="csrf" value=(csrf);
                        label {
                            input id="confirm-expunge" type="checkbox" name="confirm" value="yes" required;
                            " The payload cannot be restored"
                        }
                        button.danger type="submit" { "Expunge the payload" }
                    }
                }
            }
        }
    }
}

fn payload(event: &EventDetail) -> Markup {
    let base = format!("{}/{}", super::EVENTS, event.summary.id);
    html! {
        @if event.payload_expunged {
            p { "The payload was expunged; the event can no longer be replayed." }
        } @else if let Some(payload) = &event.payload {
            p.hint { "Personal data: shown on request only." }
            pre aria-label="Payload" { (serde_json::to_string_pretty(payload).unwrap_or_default()) }
            p { a href=(base) { "Hide the payload" } }
        } @else {
            p { a href={ (base) "?payload=1" } { "Show the payload (personal data)" } }
        }
    }
}
