//! What the console tests arrange: failing deliveries (a sabotaged `public.users`), the
//! repair, and reading events back.

use uuid::Uuid;

use crate::helpers::TestApp;
use crate::payloads::{hook, hook_user};

/// The email every delivery carries: personal data, shown only with the payload.
pub const PRIVATE_EMAIL: &str = "grace.private@example.com";

/// A check constraint that makes every mirror write of an `@example.com` email fail.
pub async fn sabotage(app: &TestApp) {
    sqlx::query(
        "alter table public.users add constraint no_example \
         check (email not like '%@example.com') not valid",
    )
    .execute(&app.database.pool)
    .await
    .expect("add the sabotaging constraint");
}

/// Removes the constraint of `sabotage`.
pub async fn repair(app: &TestApp) {
    sqlx::query("alter table public.users drop constraint no_example")
        .execute(&app.database.pool)
        .await
        .expect("drop the sabotaging constraint");
}

/// Delivers an `after-user-created` hook for a new user; the user's id.
pub async fn deliver_signup(app: &TestApp) -> Uuid {
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, PRIVATE_EMAIL, "2024-05-01T10:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
    id
}

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
