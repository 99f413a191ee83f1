//! Listing, showing, expunging and counting events.

use serde_json::{json, Value};

use super::{admin, admin_get, deliver_signup, event_ids, repair, sabotage, send, PRIVATE_EMAIL};
use crate::helpers::{spawn_admin_app, AdminSetup};
use crate::payloads::{db_event, hook, hook_user};

#[tokio::test]
async fn failed_deliveries_are_listed_with_reasons_and_no_personal_data() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    for _ in 0..3 {
        deliver_signup(&app).await;
    }

    let (status, page) = admin_get(&app, "/admin/events?status=failed").await;

    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{page}");
    for item in items {
        assert_eq!(item["status"], "failed");
        assert_eq!(item["kind"], "after-user-created");
        assert_eq!(item["source"], "auth_hook");
        assert_eq!(item["attempts"], 1);
        let reason = item["last_error"].as_str().expect("a reason");
        assert!(
            reason.contains("23514") && reason.contains("no_example"),
            "{reason}"
        );
        assert!(item["next_attempt_at"].is_string(), "{item}");
        assert!(item.get("payload").is_none(), "{item}");
    }
    assert_eq!(page["next_cursor"], Value::Null);
    let text = page.to_string();
    assert!(
        !text.contains(PRIVATE_EMAIL) && !text.contains("@example.com"),
        "{text}"
    );
}

#[tokio::test]
async fn one_event_shows_its_metadata_and_its_payload_only_on_request() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    let user = deliver_signup(&app).await;
    let id = event_ids(&app).await[0];

    let (status, plain) = admin_get(&app, &format!("/admin/events/{id}")).await;
    let (_, with_payload) = admin_get(&app, &format!("/admin/events/{id}?payload=true")).await;

    assert_eq!(status, 200, "{plain}");
    assert_eq!(plain["id"], id);
    assert_eq!(plain["user_id"], user.to_string());
    assert_eq!(plain["status"], "failed");
    assert_eq!(plain["attempts"], 1);
    assert_eq!(plain["payload_expunged"], false);
    assert!(
        plain["webhook_id"].as_str().unwrap().starts_with("msg_"),
        "{plain}"
    );
    assert!(plain.get("payload").is_none(), "{plain}");
    assert!(!plain.to_string().contains(PRIVATE_EMAIL), "{plain}");
    assert_eq!(with_payload["payload"]["user"]["email"], PRIVATE_EMAIL);
}

#[tokio::test]
async fn pages_stay_stable_while_new_events_arrive() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    for _ in 0..5 {
        deliver_signup(&app).await;
    }
    let mut expected = event_ids(&app).await;
    expected.reverse();

    let (_, first) = admin_get(&app, "/admin/events?limit=2").await;
    for _ in 0..3 {
        deliver_signup(&app).await;
    }
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
    let (_, second) = admin_get(&app, &format!("/admin/events?limit=2&cursor={cursor}")).await;
    deliver_signup(&app).await;
    let cursor = second["next_cursor"].as_str().expect("a cursor").to_owned();
    let (_, third) = admin_get(&app, &format!("/admin/events?limit=2&cursor={cursor}")).await;

    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_i64().unwrap())
            .collect()
    };
    let mut seen = ids(&first);
    seen.extend(ids(&second));
    seen.extend(ids(&third));
    assert_eq!(seen, expected);
    assert_eq!(ids(&third).len(), 1);
    assert_eq!(third["next_cursor"], Value::Null);
}

#[tokio::test]
async fn filters_select_by_source_kind_user_and_time() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let user = deliver_signup(&app).await;
    let other = uuid::Uuid::new_v4();
    let before = hook(
        "before-user-created",
        uuid::Uuid::new_v4(),
        hook_user(other, "", "0001-01-01T00:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &before).await.status(), 200);
    let update = db_event(
        "UPDATE",
        Some(crate::payloads::auth_row(
            other,
            None,
            "2024-05-02T10:00:00+00:00",
        )),
        None,
    );
    assert_eq!(app.post_signed("/hooks/db", &update).await.status(), 200);

    let count = |query: String| {
        let app = &app;
        async move {
            let (status, page) = admin_get(app, &format!("/admin/events?{query}")).await;
            assert_eq!(status, 200, "{query}: {page}");
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("source=db_webhook".into()).await, 1);
    assert_eq!(count("kind=before-user-created".into()).await, 1);
    assert_eq!(count("status=ignored".into()).await, 1);
    assert_eq!(count(format!("user_id={user}")).await, 1);
    assert_eq!(count(format!("user_id={other}")).await, 2);
    assert_eq!(count("since=2999-01-01T00:00:00Z".into()).await, 0);
    assert_eq!(
        count("until=2999-01-01T00:00:00Z&source=auth_hook".into()).await,
        2
    );
}

#[tokio::test]
async fn expunging_removes_the_payload_and_keeps_the_record() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    sabotage(&app).await;
    deliver_signup(&app).await;
    let id = event_ids(&app).await[0];

    let (status, answer) = send(admin(
        &app,
        reqwest::Method::DELETE,
        &format!("/admin/events/{id}/payload"),
    ))
    .await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "id": id, "status": "failed", "payload_expunged": true })
    );
    let (_, shown) = admin_get(&app, &format!("/admin/events/{id}?payload=true")).await;
    assert_eq!(shown["payload_expunged"], true);
    assert_eq!(shown["status"], "failed");
    assert!(shown["last_error"].as_str().unwrap().contains("23514"));
    assert!(!shown.to_string().contains(PRIVATE_EMAIL), "{shown}");
    let payload: Option<Vec<u8>> =
        sqlx::query_scalar("select payload from auth_mirror.events where id = $1")
            .bind(id)
            .fetch_one(&app.database.pool)
            .await
            .unwrap();
    assert_eq!(payload, None);

    repair(&app).await;
    let (status, refused) =
        super::admin_post(&app, &format!("/admin/events/{id}/replay"), json!({})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "payload_expunged");
}
