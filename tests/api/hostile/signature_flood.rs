//! A flood of deliveries with bad signatures costs no database work: each is answered `401`
//! even while the database cannot give a single connection, and nothing is stored.

use auth_mirror::webhook::WebhookSecrets;
use uuid::Uuid;

use crate::helpers::spawn_app;
use crate::payloads::{hook, hook_user};
use crate::signature::{assert_nothing_stored, assert_unauthorized, signed_now, ENDPOINTS};

const FLOOD: usize = 100;

#[tokio::test]
async fn invalid_signatures_are_answered_401_while_the_database_has_no_connection_to_give() {
    let app = spawn_app().await;
    // The app's own pool: holding every connection leaves none for a delivery.
    let pool = &app.database.pool;
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.expect("a pool connection"));
    }
    assert!(pool.try_acquire().is_none(), "every connection is held");
    let wrong_key = WebhookSecrets::generate();

    for number in 0..FLOOD {
        let body = hook(
            "after-user-created",
            Uuid::new_v4(),
            hook_user(Uuid::new_v4(), "flood@example.com", "2024-05-01T10:00:00Z"),
        );
        let path = ENDPOINTS[number % ENDPOINTS.len()];

        let response = app
            .post_with_headers(path, &signed_now(&wrong_key, &body), body)
            .await;

        // Any database work would have waited for a connection and ended in a 503.
        assert_unauthorized(response).await;
    }

    // Still none to give: the flood took none.
    assert!(pool.try_acquire().is_none());
    drop(held);
    assert_nothing_stored(&app).await;
}
