//! The request body's guard, applied by the middleware around every request (`observe`): a
//! deadline for the whole body (`BODY_READ_TIMEOUT_MS`), and a closed connection, instead of
//! a drained one, when the answer leaves the body unread.
//!
//! actix's `client_request_timeout` covers the headers only. And when a handler drops a
//! chunked body before its end (a timeout, a 413, a route that never reads it), actix keeps
//! the connection open to drain the rest, for as long as the client cares to trickle it or
//! stay silent: a connection held forever, and `MAX_CONNECTIONS` of them deny the service.
//! Keeping the body's receiver alive until the answer is written makes actix close the
//! connection instead.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage as _, HttpResponse, ResponseError};
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use tokio::time::Sleep;

/// `BODY_READ_TIMEOUT_MS`, as app data for [`GuardedBody`].
#[derive(Debug, Clone, Copy)]
pub struct BodyReadTimeout(pub Duration);

/// The error a body read gets once the deadline has passed; `read_json_body` recognises it.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} ms", .0.as_millis())]
pub struct BodyTimedOut(pub Duration);

impl BodyTimedOut {
    /// The deadline that passed, if `error` is this one.
    pub fn of(error: &PayloadError) -> Option<Duration> {
        match error {
            PayloadError::Io(io) => io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<Self>())
                .map(|timed_out| timed_out.0),
            _ => None,
        }
    }
}

/// The request's body under a deadline, kept by the middleware (`observe`) until the answer
/// is written.
pub struct GuardedBody(Option<Rc<RefCell<Payload>>>);

impl GuardedBody {
    /// Gives the handler `request`'s body under the deadline (`BODY_READ_TIMEOUT_MS`).
    pub fn install(request: &mut ServiceRequest) -> Self {
        let timeout = request
            .app_data::<web::Data<BodyReadTimeout>>()
            .map(|t| t.0);
        let payload = request.take_payload();
        let (Some(timeout), Payload::H1 { .. } | Payload::Stream { .. }) = (timeout, &payload)
        else {
            request.set_payload(payload);
            return Self(None);
        };
        let shared = Rc::new(RefCell::new(payload));
        request.set_payload(Payload::Stream {
            payload: Box::pin(DeadlineBody {
                payload: Rc::clone(&shared),
                deadline: Box::pin(tokio::time::sleep(timeout)),
                timeout,
                expired: false,
            }),
        });
        Self(Some(shared))
    }

    /// The answer, holding the request body until it is written.
    pub fn hold<B: MessageBody + 'static>(
        self,
        outcome: Result<ServiceResponse<B>, actix_web::Error>,
    ) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
        let Some(shared) = self.0 else {
            return outcome.map(ServiceResponse::map_into_boxed_body);
        };
        match outcome {
            Ok(response) => Ok(response.map_body(|_, body| {
                BoxBody::new(HeldBody {
                    body: body.boxed(),
                    _request_body: shared,
                })
            })),
            // A middleware refusing (the admin token): actix makes the answer, which must
            // hold the body too.
            Err(error) => Err(HeldError {
                error,
                request_body: shared,
            }
            .into()),
        }
    }
}

/// An error answered by actix, whose answer's body holds the request body.
struct HeldError {
    error: actix_web::Error,
    request_body: Rc<RefCell<Payload>>,
}

impl std::fmt::Debug for HeldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::fmt::Display for HeldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for HeldError {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let request_body = Rc::clone(&self.request_body);
        self.error.error_response().map_body(|_, body| {
            BoxBody::new(HeldBody {
                body,
                _request_body: request_body,
            })
        })
    }
}

/// The request body as the handler sees it: ends with [`BodyTimedOut`] at the deadline.
struct DeadlineBody {
    payload: Rc<RefCell<Payload>>,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
    expired: bool,
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if self.deadline.poll_unpin(cx).is_ready() {
            self.expired = true;
            let error =
                std::io::Error::new(std::io::ErrorKind::TimedOut, BodyTimedOut(self.timeout));
            return Poll::Ready(Some(Err(PayloadError::Io(error))));
        }
        self.payload.borrow_mut().poll_next_unpin(cx)
    }
}

/// The answer's body, holding the request body's receiver until it is written: actix then
/// sees a body that was not read in full, and closes the connection instead of draining it.
struct HeldBody {
    body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for HeldBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}
