//! What the console tests arrange (failing deliveries from the shared harness) and read back.

use crate::helpers::TestApp;
pub use crate::helpers::{deliver_signup, repair, sabotage, PRIVATE_EMAIL};

/// (id, status, attempts, applied_via, payload expunged) of every event, oldest first.
pub async fn events(app: &TestApp) -> Vec<(i64, String, i32, Option<String>, bool)> {
    sqlx::query_as(
        "select id, status, attempts, applied_via, payload is null from auth_mirror.events \
         order by id",
    )
    .fetch_all(&app.database.pool)
    .await
    .expect("read events")
}
