//! The load generator (`benches/load`) against the real app: its signed deliveries are
//! accepted, its retries are recognised as duplicates and its updates as newer versions, so
//! a benchmark cannot silently measure rejections.

#[allow(dead_code)]
#[path = "../../benches/load/deliveries.rs"]
mod deliveries;
#[allow(dead_code)]
#[path = "../../benches/load/driver.rs"]
mod driver;
#[allow(dead_code)]
#[path = "../../benches/load/stats.rs"]
mod stats;

use auth_mirror::webhook::WebhookSecrets;

use self::deliveries::{Kind, Mix};
use self::driver::{Plan, Target};
use crate::helpers::{spawn_app, TestApp};

const REQUESTS: u64 = 400;

fn plan(app: &TestApp, secret: &str) -> Plan {
    let authority = app.address.trim_start_matches("http://").to_owned();
    Plan {
        target: Target {
            addr: authority.parse().unwrap(),
            authority,
        },
        key: WebhookSecrets::parse(secret).unwrap().keys()[0].clone(),
        connections: 4,
        rate: None,
        duration: None,
        requests: Some(REQUESTS),
        mix: Mix {
            updates: 0.3,
            retries: 0.2,
        },
        seed: 7,
    }
}

async fn count(app: &TestApp, sql: &str) -> u64 {
    let count: i64 = sqlx::query_scalar(sql)
        .fetch_one(&app.database.pool)
        .await
        .unwrap();
    count as u64
}

#[tokio::test]
async fn every_delivery_is_accepted_and_retries_are_duplicates() {
    let app = spawn_app().await;

    let measured = driver::run(&plan(&app, &app.secrets)).await.unwrap();

    let stats = measured.stats;
    assert_eq!(
        stats.statuses.get(&200),
        Some(&REQUESTS),
        "{:?}",
        stats.statuses
    );
    assert_eq!((stats.no_answer, stats.errors()), (0, 0));
    let [created, updated, retries] = Kind::ALL.map(|kind| stats.acknowledged[kind.index()]);
    assert_eq!(created + updated + retries, REQUESTS);
    assert!(
        updated > 40 && retries > 20,
        "mix: {:?}",
        stats.acknowledged
    );
    // One stored event per distinct delivery: every retry was recognised as a duplicate.
    let events = count(&app, "select count(*) from auth_mirror.events").await;
    assert_eq!(events, created + updated);
    let applied = "select count(*) from auth_mirror.events where status = 'applied'";
    assert_eq!(count(&app, applied).await, created + updated);
    // Each update carried a newer version than the mirror held.
    let newer = "select count(*) from auth_mirror.events \
                 where source = 'db_webhook' and kind = 'UPDATE' and effect = 'updated'";
    assert_eq!(count(&app, newer).await, updated);
    assert_eq!(
        count(&app, "select count(*) from public.users").await,
        created
    );
}

#[tokio::test]
async fn deliveries_signed_with_another_secret_count_as_errors() {
    let app = spawn_app().await;
    let mut plan = plan(&app, &WebhookSecrets::generate());
    plan.requests = Some(20);

    let stats = driver::run(&plan).await.unwrap().stats;

    assert_eq!(stats.statuses.get(&401), Some(&20), "{:?}", stats.statuses);
    assert_eq!((stats.ok(), stats.errors()), (0, 20));
    assert_eq!(
        count(&app, "select count(*) from auth_mirror.events").await,
        0
    );
}
