//! Signing in with the admin token (checked in constant time and throttled like the bearer
//! token) and signing out, which ends the session in the database for good.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::session::{Session, COOKIE, LIFETIME};
use super::{layout, ConsoleError, CsrfForm, SignedIn};
use crate::config::CookiePolicy;
use crate::routes::admin::auth::{Refused, Via};
use crate::routes::admin::AdminContext;
use crate::store::admin_sessions;

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
pub async fn form(query: web::Query<FormQuery>, context: web::Data<AdminContext>) -> HttpResponse {
    let notice = query.signed_out.as_ref().map(|_| "You are signed out.");
    layout::respond(StatusCode::OK, &page(&context, notice, None))
}

/// `POST /admin/console/sign-in`: a session (in the database, and its cookie) for the right
/// token; the form again for any other (401), or while wrong tokens are throttled (429).
pub async fn sign_in(
    request: HttpRequest,
    context: web::Data<AdminContext>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ConsoleError> {
    if let Err(refused) = context.authenticate(&request, &form.token, Via::SignIn) {
        return Ok(refusal(&context, refused));
    }
    let session = Session::start(chrono::Utc::now());
    admin_sessions::start(
        &context.pool,
        &session.digest(),
        session.expires_at,
        context.session_idle,
    )
    .await?;
    let cookie = Cookie::build(COOKIE, session.to_cookie(context.session_key()))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(context.cookies == CookiePolicy::Secure)
        .max_age(time::Duration::seconds(LIFETIME.num_seconds()))
        .finish();
    tracing::info!(target: "audit", action = "console.sign_in", outcome = "signed_in", "admin call");
    let mut response = layout::see_other(super::OVERVIEW);
    response
        .add_cookie(&cookie)
        .expect("a session cookie is a valid header");
    Ok(response)
}

/// The form again, saying why the token was refused.
fn refusal(context: &AdminContext, refused: Refused) -> HttpResponse {
    match refused {
        Refused::WrongToken => {
            tracing::warn!(target: "audit", action = "console.sign_in", outcome = "refused", "admin console sign-in refused");
            let error = "That is not the admin token.";
            layout::respond(StatusCode::UNAUTHORIZED, &page(context, None, Some(error)))
        }
        Refused::Throttled(throttled) => {
            let seconds = throttled.retry_after_seconds();
            tracing::warn!(target: "audit", action = "console.sign_in", outcome = "throttled", retry_after = seconds, "admin console sign-in refused");
            let error = format!("Too many wrong tokens lately. Try again in {seconds} s.");
            let mut response = layout::respond(
                StatusCode::TOO_MANY_REQUESTS,
                &page(context, None, Some(&error)),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
            response
        }
    }
}

/// `POST /admin/console/sign-out`: ends the session in the database (on every instance, for
/// good) and removes its cookie.
pub async fn sign_out(
    signed_in: SignedIn,
    context: web::Data<AdminContext>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(form.csrf.as_deref())?;
    admin_sessions::end(&context.pool, &signed_in.session.digest()).await?;
    let mut removal = Cookie::build(COOKIE, "").path("/admin").finish();
    removal.make_removal();
    tracing::info!(target: "audit", action = "console.sign_out", "admin call");
    let mut response = layout::see_other(&format!("{}?signed_out=1", super::SIGN_IN));
    response
        .add_cookie(&removal)
        .expect("a removal cookie is a valid header");
    Ok(response)
}

fn page(context: &AdminContext, notice: Option<&str>, error: Option<&str>) -> Markup {
    let idle = humantime::format_duration(context.session_idle);
    let body = html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if let Some(error) = error { p.notice.bad role="alert" id="sign-in-error" { (error) } }
        form method="post" action=(super::SIGN_IN) {
            p {
                // A block of its own: the input's focus ring would cover the underscore.
                label.above for="token" { "Admin token (" code { "ADMIN_TOKEN" } ")" }
                input id="token" name="token" type="password" required autocomplete="current-password"
                    autofocus size="40" aria-describedby=[error.map(|_| "sign-in-error")];
            }
            p { button.primary type="submit" { "Sign in" } }
        }
        p.hint {
            "The session ends when you sign out, after " (idle) " without use, and 8 hours \
             after signing in at the latest; the token is never stored in it."
        }
    };
    layout::page("Sign in", None, body)
}
