//! The console's page shell: the document, its inline style sheet, the navigation with the
//! sign-out form, and the headers every console response carries.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

/// No script, no frame, no outside resource: the page is the binary's own HTML and CSS.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Dark text on light backgrounds (contrast above 7:1), a visible focus ring.
const STYLE: &str = "
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fafafa;margin:0}
header{background:#1f2937;color:#fff;padding:.5rem 1.5rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a{color:#fff} header form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem}
@media (max-width:40rem){header,main{padding-left:.75rem;padding-right:.75rem}}
a{color:#0b4fa8} a:focus,button:focus,input:focus,select:focus{outline:3px solid #f59e0b;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d1d5db;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7} td.num{text-align:right;font-variant-numeric:tabular-nums}
button{font:inherit;padding:.3rem .9rem;border:1px solid #1f2937;border-radius:4px;background:#fff;cursor:pointer}
button.primary{background:#0b4fa8;color:#fff;border-color:#0b4fa8} button.danger{background:#a11d1d;color:#fff;border-color:#a11d1d}
input,select{font:inherit;padding:.2rem .4rem;border:1px solid #6b7280;border-radius:4px;max-width:100%;box-sizing:border-box}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin:1rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.9rem;max-width:100%}
.inline{display:inline} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid #d1d5db;border-radius:6px;padding:.75rem 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem} dt{font-weight:600} dd{margin:0;overflow-wrap:anywhere}
.card dl{grid-template-columns:1fr;gap:0} .card dd{margin-bottom:.5rem} time{white-space:nowrap}
.scroll{overflow-x:auto}
pre{background:#fff;border:1px solid #d1d5db;padding:.75rem;overflow:auto;max-height:30rem}
.notice{padding:.5rem .75rem;border-radius:4px;background:#e6f4ea;border:1px solid #1e7b34}
.notice.bad{background:#fdecea;border-color:#a11d1d} .notice.warn{background:#fff4e5;border-color:#b45309}
.status-failed,.status-dead{color:#a11d1d;font-weight:600} .status-applied{color:#1e7b34}
.actions{display:flex;gap:1rem 1.5rem;flex-wrap:wrap;align-items:center;margin:1rem 0}
.actions form{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}
fieldset.danger{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;border:1px solid #a11d1d;border-radius:6px;padding:.5rem .75rem;margin:0} fieldset.danger legend{font-weight:600;padding:0 .25rem}
figure.chart{margin:1rem 0} .chart-plot{display:grid;grid-template-columns:1fr auto;gap:.5rem}
.chart-plot svg{width:100%;height:10rem;display:block} .chart-y{display:flex;flex-direction:column;justify-content:space-between}
.chart-x{display:flex;justify-content:space-between;margin-right:2rem} .chart-y,.chart-x{font-size:.9rem;color:#1a1a1a}
.hint{color:#4b5563;font-size:.9rem} label.above{display:block;margin-bottom:.5rem}
.skip{position:absolute;left:-999px} .skip:focus{left:.5rem;top:.5rem;background:#fff;color:#0b4fa8;padding:.25rem .5rem}
";

/// A complete page; `csrf` (when signed in) shows the navigation and the sign-out button.
pub fn page(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · auth-mirror console" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header {
                    strong { "auth-mirror" }
                    @if let Some(csrf) = csrf {
                        nav aria-label="Console" {
                            a href=(super::OVERVIEW) { "Overview" } " · "
                            a href=(super::EVENTS) { "Events" } " · "
                            a href={ (super::EVENTS) "?status=failed" } { "Failed events" } " · "
                            a href=(super::QUARANTINE) { "Quarantine" }
                        }
                        form method="post" action=(super::SIGN_OUT) {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" { h1 { (title) } (body) }
            }
        }
    }
}

/// An HTML response that is never cached, framed or given a script to run.
pub fn respond(status: StatusCode, markup: &Markup) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(markup.0.clone())
}

/// A `303 See Other` to `location`, the answer to every successful form.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A time as the console shows it, kept on one line.
pub fn time(at: chrono::DateTime<chrono::Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M:%S UTC")) } }
}

/// An optional time, or "—" like every other empty field.
pub fn optional_time(at: Option<chrono::DateTime<chrono::Utc>>) -> Markup {
    match at {
        Some(at) => time(at),
        None => html! { "—" },
    }
}
