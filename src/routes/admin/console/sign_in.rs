//! Signing in with the admin token (checked in constant time like the bearer token) and
//! signing out.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::session::{Session, COOKIE, LIFETIME};
use super::{layout, ConsoleError, CsrfForm, SignedIn};
use crate::routes::admin::AdminContext;

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
}

/// Where `?signed_out` comes from.
#[derive(Deserialize)]
pub struct FormQuery {
    signed_out: Option<String>,
}

/// `GET /admin/console/sign-in`.
pub async fn form(query: web::Query<FormQuery>) -> HttpResponse {
    let notice = query.signed_out.as_ref().map(|_| "You are signed out.");
    layout::respond(StatusCode::OK, &page(notice, None))
}

/// `POST /admin/console/sign-in`: a session cookie for the right token, the form again
/// (401) for any other.
pub async fn sign_in(
    request: HttpRequest,
    context: web::Data<AdminContext>,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    if !context.accepts(form.token.trim()) {
        tracing::warn!(target: "audit", action = "console.sign_in", outcome = "refused", "admin console sign-in refused");
        let error = Some("That is not the admin token.");
        return layout::respond(StatusCode::UNAUTHORIZED, &page(None, error));
    }
    let session = Session::start(chrono::Utc::now());
    let cookie = Cookie::build(COOKIE, session.to_cookie(context.session_key()))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(!plain_loopback_http(&request))
        .max_age(time::Duration::seconds(LIFETIME.num_seconds()))
        .finish();
    tracing::info!(target: "audit", action = "console.sign_in", outcome = "signed_in", "admin call");
    let mut response = layout::see_other(super::OVERVIEW);
    response
        .add_cookie(&cookie)
        .expect("a session cookie is a valid header");
    response
}

/// `POST /admin/console/sign-out`: removes the session cookie.
pub async fn sign_out(
    signed_in: SignedIn,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    let mut removal = Cookie::build(COOKIE, "").path("/admin").finish();
    removal.make_removal();
    tracing::info!(target: "audit", action = "console.sign_out", "admin call");
    let mut response = layout::see_other(&format!("{}?signed_out=1", super::SIGN_IN));
    response
        .add_cookie(&removal)
        .expect("a removal cookie is a valid header");
    Ok(response)
}

/// Plain HTTP from the loopback interface (a browser on the same machine), where a `Secure`
/// cookie would not be sent back. Behind a proxy that says `https`, the cookie is `Secure`.
fn plain_loopback_http(request: &HttpRequest) -> bool {
    let loopback = request
        .peer_addr()
        .is_some_and(|peer| peer.ip().is_loopback());
    loopback && request.connection_info().scheme() == "http"
}

fn page(notice: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if let Some(error) = error { p.notice.bad role="alert" id="sign-in-error" { (error) } }
        form method="post" action=(super::SIGN_IN) {
            p {
                label for="token" { "Admin token (" code { "ADMIN_TOKEN" } ")" }
                br;
                input id="token" name="token" type="password" required autocomplete="current-password"
                    autofocus size="40" aria-describedby=[error.map(|_| "sign-in-error")];
            }
            p { button.primary type="submit" { "Sign in" } }
        }
        p.hint { "The session lasts 8 hours; the token is never stored in it." }
    };
    layout::page("Sign in", None, body)
}
