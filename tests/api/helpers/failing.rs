//! Deliveries that fail for a reason an operator can repair: a check constraint on
//! `public.users` refuses every mirror write of an `@example.com` email.

use uuid::Uuid;

use super::TestApp;
use crate::payloads::{hook, hook_user};

/// The email every failing delivery carries; it must never show in a listing or an error.
pub const PRIVATE_EMAIL: &str = "grace.private@example.com";

/// A check constraint that makes every mirror write of an `@example.com` email fail.
pub async fn sabotage(app: &TestApp) {
    sqlx::query(
        "alter table public.users add constraint no_example check (email not like '%@example.com') not valid",
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
    let response = app.post_signed("/hooks/auth", &body).await;
    assert_eq!(response.status(), 200);
    id
}
