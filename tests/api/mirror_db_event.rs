//! `POST /hooks/db`: database events on `auth.users` mirrored into public.users.

mod duplicates;
mod lifecycle;
mod tombstones;
mod unsupported;

use crate::helpers::TestApp;

const T1: &str = "2024-05-01T10:00:00.123456+00:00";
const T2: &str = "2024-05-01T11:30:00.654321+00:00";
const T3: &str = "2024-05-02T08:00:00.000001+00:00";
const T4: &str = "2024-05-03T09:15:00.5+00:00";

async fn post_db(app: &TestApp, body: &[u8]) -> reqwest::Response {
    app.post_signed("/hooks/db", body).await
}

/// The `effect` of every stored event, oldest first.
async fn effects(app: &TestApp) -> Vec<Option<String>> {
    app.events()
        .await
        .into_iter()
        .map(|(_, _, effect, _)| effect)
        .collect()
}

fn effect(text: &str) -> Option<String> {
    Some(text.to_owned())
}
