//! States handed to group commit's statement (`auth_mirror.ingest_deliveries`) as ONE batch:
//! the set-based rule reduces them per user and writes each user once; only when that write
//! fails as a whole is each state tried on its own, so a user the application refuses fails
//! alone. `ingest` is also the property's batch road (`property::one_batch`).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{at, mirror_row, Setup, TestDatabase};

/// One delivery of a batch: a state of a user, planned `applied`.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub source: &'static str,
    pub event_key: String,
    pub user_id: Uuid,
    pub payload: Vec<u8>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    pub user_metadata: Option<Value>,
    pub app_metadata: Option<Value>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub removed: bool,
}

/// What one delivery came to: (status, effect, error), in the batch's order.
pub type Answer = (String, Option<String>, Option<String>);

/// Stores and applies `batch` in one call of `auth_mirror.ingest_deliveries`.
pub async fn ingest(pool: &PgPool, batch: &[Delivery]) -> Vec<Answer> {
    fn column<T>(batch: &[Delivery], pick: impl Fn(&Delivery) -> T) -> Vec<T> {
        batch.iter().map(pick).collect()
    }
    sqlx::query_as(
        "select o_status, o_effect, o_error from auth_mirror.ingest_deliveries(\
           $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
           $19, $20) order by o_ordinal",
    )
    .bind(column(batch, |d| d.source))
    .bind(column(batch, |d| d.event_key.clone()))
    .bind(column(batch, |_| "msg_batch"))
    .bind(column(batch, |_| Utc::now()))
    .bind(column(batch, |d| d.payload.clone()))
    .bind(column(batch, |_| "batch"))
    .bind(column(batch, |d| d.user_id))
    .bind(column(batch, |_| "applied"))
    .bind(column(batch, |_| None::<String>))
    .bind(column(batch, |d| d.email.clone()))
    .bind(column(batch, |d| d.phone.clone()))
    .bind(column(batch, |d| d.is_anonymous))
    .bind(column(batch, |d| d.user_metadata.clone()))
    .bind(column(batch, |d| d.app_metadata.clone()))
    .bind(column(batch, |d| d.email_confirmed_at))
    .bind(column(batch, |d| d.created_at))
    .bind(column(batch, |d| d.updated_at))
    .bind(column(batch, |d| d.deleted_at))
    .bind(column(batch, |d| d.removed))
    .bind(column(batch, |_| 60.0_f64))
    .fetch_all(pool)
    .await
    .expect("call auth_mirror.ingest_deliveries")
}

/// A live state of `user` at `version` (RFC 3339), created at T0.
fn live(user: Uuid, key: &str, email: &str, version: &str) -> Delivery {
    Delivery {
        source: "db_webhook",
        event_key: format!("{user}:{key}"),
        user_id: user,
        payload: b"{}".to_vec(),
        email: Some(email.to_owned()),
        phone: None,
        is_anonymous: false,
        user_metadata: Some(json!({"name": email})),
        app_metadata: Some(json!({"provider": "email"})),
        email_confirmed_at: None,
        created_at: Some(at(T0)),
        updated_at: Some(at(version)),
        deleted_at: None,
        removed: false,
    }
}

const T0: &str = "2024-05-01T10:00:00Z";
const T1: &str = "2024-05-01T11:00:00Z";
const T2: &str = "2024-05-01T12:00:00Z";

fn answer(status: &str, effect: &str) -> Answer {
    (status.to_owned(), Some(effect.to_owned()), None)
}

#[tokio::test]
async fn a_user_the_application_refuses_fails_alone_and_the_rest_of_its_batch_applies() {
    let db = TestDatabase::create(Setup::default()).await;
    sqlx::query(
        "alter table public.users add constraint no_mallory \
         check (email is distinct from 'mallory@corp.test')",
    )
    .execute(&db.pool)
    .await
    .expect("the application's constraint");
    let (ada, mallory, grace) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let batch = [
        live(ada, "a1", "ada@corp.test", T1),
        live(mallory, "m1", "mallory@corp.test", T1),
        live(grace, "g1", "grace@corp.test", T1),
        live(ada, "a2", "ada.l@corp.test", T2),
    ];

    let answers = ingest(&db.pool, &batch).await;

    let refused = (
        "failed".to_owned(),
        None,
        Some("database error 23514 (constraint no_mallory)".to_owned()),
    );
    // Each state on its own (the fallback): ada's older state was written, then the newer one.
    assert_eq!(
        answers,
        [
            answer("applied", "inserted"),
            refused,
            answer("applied", "inserted"),
            answer("applied", "updated"),
        ]
    );
    assert_eq!(mirror_row(&db.pool, mallory).await, None);
    let ada_row = mirror_row(&db.pool, ada).await.expect("ada is mirrored");
    assert_eq!(ada_row.email.as_deref(), Some("ada.l@corp.test"));
    assert!(mirror_row(&db.pool, grace).await.is_some());
    let next_attempts: i64 = sqlx::query_scalar(
        "select count(*) from auth_mirror.events where status = 'failed' and next_attempt_at is not null",
    )
    .fetch_one(&db.pool)
    .await
    .expect("read events");
    assert_eq!(next_attempts, 1, "the refused state is retried later");
}

#[tokio::test]
async fn a_batch_writes_each_user_once_and_reports_the_write_on_the_state_it_wrote() {
    let db = TestDatabase::create(Setup::default()).await;
    let (ada, grace) = (Uuid::new_v4(), Uuid::new_v4());
    let mut copy = live(ada, "a2-copy", "ada.l@corp.test", T2);
    copy.source = "auth_hook";
    let batch = [
        live(ada, "a2", "ada.l@corp.test", T2),
        live(grace, "g1", "grace@corp.test", T1),
        live(ada, "a1", "ada@corp.test", T1),
        copy,
    ];

    let answers = ingest(&db.pool, &batch).await;

    // The newest state of ada wrote (its first copy); the older one and the identical copy
    // never reached the row.
    assert_eq!(
        answers,
        [
            answer("applied", "inserted"),
            answer("applied", "inserted"),
            answer("applied", "stale"),
            answer("applied", "stale"),
        ]
    );
    let ada_row = mirror_row(&db.pool, ada).await.expect("ada is mirrored");
    assert_eq!(ada_row.email.as_deref(), Some("ada.l@corp.test"));
    assert_eq!(ada_row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn a_later_state_without_metadata_keeps_the_metadata_of_an_earlier_state_of_its_batch() {
    let db = TestDatabase::create(Setup::default()).await;
    let ada = Uuid::new_v4();
    let mut stored = live(ada, "a0", "ada@corp.test", T0);
    stored.user_metadata = Some(json!({"name": "stored"}));
    ingest(&db.pool, &[stored]).await;
    let mut newest = live(ada, "a2", "ada@corp.test", T2);
    newest.user_metadata = None;

    // One by one: the T1 state writes its metadata, the T2 state keeps it. The stored row's
    // metadata must not come back.
    let answers = ingest(&db.pool, &[live(ada, "a1", "ada@corp.test", T1), newest]).await;

    assert_eq!(
        answers,
        [answer("applied", "updated"), answer("applied", "updated")]
    );
    let row = mirror_row(&db.pool, ada).await.expect("ada is mirrored");
    assert_eq!(row.user_metadata, Some(json!({"name": "ada@corp.test"})));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn a_state_that_meets_a_tombstone_expunges_the_payloads_of_its_users_events() {
    let db = TestDatabase::create(Setup::default()).await;
    let ada = Uuid::new_v4();
    ingest(&db.pool, &[live(ada, "a1", "ada@corp.test", T1)]).await;
    // A tombstone the rule did not write (a restored backup, a row made by hand): its user's
    // payloads are still there.
    sqlx::query(
        "update public.users set email = null, user_metadata = null, app_metadata = null, \
                deleted_at = $2, auth_updated_at = $2 \
          where id = $1",
    )
    .bind(ada)
    .bind(at(T2))
    .execute(&db.pool)
    .await
    .expect("make a tombstone by hand");

    let answers = ingest(&db.pool, &[live(ada, "a0", "ada@corp.test", T0)]).await;

    assert_eq!(answers, [answer("applied", "stale")]);
    let payloads: Vec<bool> = sqlx::query_scalar(
        "select payload is not null from auth_mirror.events where user_id = $1 order by id",
    )
    .bind(ada)
    .fetch_all(&db.pool)
    .await
    .expect("read events");
    assert_eq!(
        payloads,
        [false, false],
        "no payload of a deleted user is kept"
    );
}
