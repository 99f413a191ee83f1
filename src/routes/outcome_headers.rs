//! The headers a hook endpoint adds to its answer to say what the mirror did with the event
//! (`auth-mirror-outcome`, `auth-mirror-duplicate`, `auth-mirror-error`; vocabulary in
//! `domain::reported`). Supabase reads only the status and the body, so they cost it nothing,
//! and `auth-mirror send` can tell "stored as failed" from "applied".

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::HttpResponse;

use crate::domain::reported::{Reported, DUPLICATE_HEADER, ERROR_HEADER, OUTCOME_HEADER};
use crate::domain::MirrorEffect;
use crate::processing::intake::Received;
use crate::processing::Outcome;

/// Adds the outcome headers of what the intake did with a delivery (a refused one is answered
/// `503` without them).
pub fn with_received(response: HttpResponse, received: &Received) -> HttpResponse {
    match received {
        Received::Stored(outcome) | Received::Spooled(outcome) => with_outcome(response, outcome),
        Received::AllowedUnrecorded => with_outcome(response, &Outcome::Allowed),
        Received::Refused => response,
    }
}

/// Adds the outcome headers of `outcome` to `response`.
pub fn with_outcome(mut response: HttpResponse, outcome: &Outcome) -> HttpResponse {
    let headers = response.headers_mut();
    let (reported, error) = reported(outcome.settled());
    headers.insert(
        HeaderName::from_static(OUTCOME_HEADER),
        HeaderValue::from_static(reported.as_str()),
    );
    if matches!(outcome, Outcome::Duplicate(_)) {
        headers.insert(
            HeaderName::from_static(DUPLICATE_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    // The stored reason is ASCII made by the service; a value a header cannot carry is left out.
    if let Some(value) = error.and_then(|error| HeaderValue::from_str(error).ok()) {
        headers.insert(HeaderName::from_static(ERROR_HEADER), value);
    }
    response
}

/// The reported outcome and, for a failure, its reason.
fn reported(outcome: &Outcome) -> (Reported, Option<&str>) {
    match outcome {
        Outcome::Mirrored(MirrorEffect::Inserted | MirrorEffect::Updated) => {
            (Reported::Applied, None)
        }
        Outcome::Mirrored(MirrorEffect::Stale) => (Reported::Stale, None),
        Outcome::Mirrored(MirrorEffect::Unversioned) => (Reported::Unversioned, None),
        Outcome::Failed { reason } => (Reported::Failed, reason.as_deref()),
        Outcome::Unparsed => (Reported::Failed, Some("unparsed")),
        Outcome::Allowed => (Reported::Allowed, None),
        Outcome::UnsupportedHook(_) | Outcome::UnsupportedChange => (Reported::Ignored, None),
        Outcome::Spooled => (Reported::Spooled, None),
        // `settled` has unwrapped it; a duplicate of a duplicate does not exist.
        Outcome::Duplicate(first) => reported(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(response: &HttpResponse, name: &str) -> Option<String> {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    }

    #[test]
    fn a_failure_reports_failed_with_its_stored_reason() {
        let reason = "database error 23514 (constraint no_example_emails)";
        let outcome = Outcome::Failed {
            reason: Some(reason.into()),
        };

        let response = with_outcome(HttpResponse::Ok().finish(), &outcome);

        assert_eq!(header(&response, OUTCOME_HEADER).as_deref(), Some("failed"));
        assert_eq!(header(&response, ERROR_HEADER).as_deref(), Some(reason));
        assert_eq!(header(&response, DUPLICATE_HEADER), None);
    }

    #[test]
    fn a_duplicate_reports_what_the_first_delivery_came_to() {
        let outcome = Outcome::Duplicate(Box::new(Outcome::Mirrored(MirrorEffect::Updated)));

        let response = with_outcome(HttpResponse::Ok().finish(), &outcome);

        assert_eq!(
            header(&response, OUTCOME_HEADER).as_deref(),
            Some("applied")
        );
        assert_eq!(header(&response, DUPLICATE_HEADER).as_deref(), Some("true"));
    }

    #[test]
    fn each_outcome_has_its_word() {
        let cases = [
            (Outcome::Mirrored(MirrorEffect::Inserted), "applied"),
            (Outcome::Mirrored(MirrorEffect::Stale), "stale"),
            (Outcome::Mirrored(MirrorEffect::Unversioned), "unversioned"),
            (Outcome::Unparsed, "failed"),
            (Outcome::Allowed, "allowed"),
            (Outcome::UnsupportedHook("send-sms".into()), "ignored"),
            (Outcome::UnsupportedChange, "ignored"),
            (Outcome::Spooled, "spooled"),
        ];
        for (outcome, word) in cases {
            let response = with_outcome(HttpResponse::Ok().finish(), &outcome);
            assert_eq!(
                header(&response, OUTCOME_HEADER).as_deref(),
                Some(word),
                "{outcome:?}"
            );
        }
    }
}
