//! The trigger and the HTTP Auth Hook deliver the same user: either order gives the same row.

use auth_mirror::webhook::{sign, WebhookSecrets};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{T1, T2};
use crate::helpers::{as_auth_admin, at, mirror_row, spawn_app, Signup, TestApp};

/// The `after-user-created` Auth Hook for the state `signup` wrote.
fn after_user_created(signup: &Signup) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "metadata": {
            "uuid": Uuid::new_v4(),
            "time": chrono::Utc::now().to_rfc3339(),
            "name": "after-user-created",
            "ip_address": "127.0.0.1"
        },
        "user": {
            "id": signup.id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": signup.email.unwrap_or(""),
            "phone": signup.phone.unwrap_or(""),
            "app_metadata": serde_json::from_str::<serde_json::Value>(signup.app_metadata).unwrap(),
            "user_metadata": serde_json::from_str::<serde_json::Value>(signup.user_metadata).unwrap(),
            "identities": [],
            "created_at": signup.at,
            "updated_at": signup.at,
            "is_anonymous": signup.is_anonymous
        }
    }))
    .unwrap()
}

/// Posts `body` to `/hooks/auth`, signed like Supabase signs it.
async fn deliver_auth_hook(app: &TestApp, body: Vec<u8>) -> reqwest::Response {
    let secrets = WebhookSecrets::parse(&app.secrets).unwrap();
    let id = format!("msg_{}", Uuid::new_v4().simple());
    let now = chrono::Utc::now().timestamp();
    let signature = sign(&secrets.keys()[0], &id, now, &body);
    app.client
        .post(format!("{}/hooks/auth", app.address))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// What the service recorded for the deliveries about user `id`: (status, effect).
async fn stored_events(pool: &PgPool, id: Uuid) -> Vec<(String, Option<String>)> {
    sqlx::query_as("select status, effect from auth_mirror.events where user_id = $1 order by id")
        .bind(id)
        .fetch_all(pool)
        .await
        .expect("read auth_mirror.events")
}

fn metadata_update(id: Uuid) -> String {
    format!(
        "update users set raw_user_meta_data = '{{\"name\": \"Ada L.\"}}', updated_at = '{T2}' \
          where id = '{id}'"
    )
}

#[tokio::test]
async fn trigger_and_http_deliveries_converge_in_either_order() {
    let (trigger_first, hook_first) = tokio::join!(spawn_app(), spawn_app());
    let signup = Signup::email("ada@example.com", T1);

    // A: trigger insert at T1, update at T2, then the hook's (older) T1 state.
    as_auth_admin(&trigger_first.database.pool, &signup.sql()).await;
    as_auth_admin(&trigger_first.database.pool, &metadata_update(signup.id)).await;
    let late = deliver_auth_hook(&trigger_first, after_user_created(&signup)).await;
    // B: the hook's T1 state first, then the trigger's insert at T1 and update at T2.
    let early = deliver_auth_hook(&hook_first, after_user_created(&signup)).await;
    let after_hook = mirror_row(&hook_first.database.pool, signup.id).await;
    as_auth_admin(&hook_first.database.pool, &signup.sql()).await;
    as_auth_admin(&hook_first.database.pool, &metadata_update(signup.id)).await;

    assert_eq!(late.status(), 200);
    assert_eq!(early.status(), 200);
    let applied = |effect: &str| vec![("applied".to_owned(), Some(effect.to_owned()))];
    assert_eq!(
        stored_events(&trigger_first.database.pool, signup.id).await,
        applied("stale")
    );
    assert_eq!(
        stored_events(&hook_first.database.pool, signup.id).await,
        applied("inserted")
    );
    let after_hook = after_hook.expect("the hook alone mirrors the user");
    assert_eq!(after_hook.auth_updated_at, Some(at(T1)));
    let a = mirror_row(&trigger_first.database.pool, signup.id).await;
    let b = mirror_row(&hook_first.database.pool, signup.id).await;
    assert_eq!(a, b);
    let row = a.expect("mirrored");
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    assert_eq!(row.user_metadata, Some(json!({"name": "Ada L."})));
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
}
