//! Talking to the console without a browser: a client that does not follow redirects, the
//! sign-in form, and requests with the session cookie.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::helpers::{TestApp, ADMIN_TOKEN};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Signs in with the form; the `Set-Cookie` header.
pub async fn sign_in(app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut request = client()
        .post(format!("{}/admin/console/sign-in", app.address))
        .form(&[("token", ADMIN_TOKEN)]);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sign in");
    assert_eq!(response.status(), 303);
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

/// The `name=value` part of a `Set-Cookie` header.
pub fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

pub async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("get")
}

/// The CSRF token in a page's forms.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned()
}
