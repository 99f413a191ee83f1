//! Labels of the HTTP metrics, each from a fixed set whatever a client sends: a request can
//! only add to a series that could already exist, never create a new one (a stranger's
//! invented methods and paths would otherwise grow `/metrics` without bound).

use actix_web::http::Method;
use prometheus_client::encoding::EncodeLabelSet;

/// The `route` label of requests that matched no route (the path itself is never a label).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The `method` label of any method outside the usual ones.
pub const OTHER_METHOD: &str = "other";

/// Labels of an HTTP request: the route pattern (not the path), method and status code.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// A pattern of the route table (`/admin/events/{id}`) or `unmatched`.
    pub route: String,
    /// One of the usual methods, or `other`.
    pub method: &'static str,
    pub status: u16,
}

impl RequestLabels {
    /// The labels of a request answered with `status`; `pattern` is the route it matched.
    pub fn new(pattern: Option<String>, method: &Method, status: u16) -> Self {
        Self {
            route: pattern.unwrap_or_else(|| UNMATCHED_ROUTE.to_owned()),
            method: method_label(method),
            status,
        }
    }
}

/// The method as a label: the methods of RFC 9110 a client of this service may send
/// (`CONNECT` and `TRACE` are never served) and `PATCH`; anything else is `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => OTHER_METHOD,
    }
}

/// Labels of a refused admin credential: where it was presented (`bearer` or `sign_in`) and
/// why it was refused (`wrong_token` or `throttled`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AdminAuthLabels {
    pub via: &'static str,
    pub reason: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_and_rare_methods_share_one_label() {
        for invented in ["FOO", "PROPFIND", "TRACE", "CONNECT", &"X".repeat(2048)] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            assert_eq!(method_label(&method), OTHER_METHOD, "{invented:.10}");
        }
        assert_eq!(method_label(&Method::POST), "POST");
    }

    #[test]
    fn an_unmatched_request_is_labelled_by_one_route() {
        let labels = RequestLabels::new(None, &Method::GET, 404);
        assert_eq!(labels.route, UNMATCHED_ROUTE);
    }
}
