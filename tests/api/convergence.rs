//! Convergence (design §3): duplicates, concurrent copies and any delivery order of one
//! user's events end in the row that applying them in version order gives.

use chrono::{DateTime, Duration, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};
use crate::payloads::{auth_row, db_event, hook, hook_user};

const COPIES: usize = 100;

/// Posts `COPIES` copies of `body` at once, each with its own webhook-id (as Supabase's
/// retries have), and returns their statuses.
async fn post_concurrent_copies(app: &TestApp, path: &str, body: Vec<u8>) -> Vec<u16> {
    let url = format!("{}{path}", app.address);
    let mut copies = JoinSet::new();
    for _ in 0..COPIES {
        let request = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        let request = app
            .signed_headers(&body)
            .into_iter()
            .fold(request, |request, (name, value)| {
                request.header(name, value)
            });
        copies.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let mut statuses = Vec::with_capacity(COPIES);
    while let Some(status) = copies.join_next().await {
        statuses.push(status.expect("request task"));
    }
    statuses
}

async fn stored_events(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as("select status, effect from auth_mirror.events order by id")
        .fetch_all(&app.database.pool)
        .await
        .expect("read auth_mirror.events")
}

#[tokio::test]
async fn a_hundred_concurrent_copies_of_a_hook_are_stored_and_applied_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, "ada@example.com", "2024-05-01T10:00:00Z"),
    );

    let statuses = post_concurrent_copies(&app, "/hooks/auth", body).await;

    assert_eq!(statuses, vec![200; COPIES]);
    assert_eq!(
        stored_events(&app).await,
        vec![("applied".to_owned(), Some("inserted".to_owned()))]
    );
    assert!(app.mirror_row(id).await.is_some());
}

#[tokio::test]
async fn a_hundred_concurrent_copies_of_a_db_event_are_stored_and_applied_once() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let body = db_event(
        "INSERT",
        Some(auth_row(
            id,
            Some("ada@example.com"),
            "2024-05-01T10:00:00Z",
        )),
        None,
    );

    let statuses = post_concurrent_copies(&app, "/hooks/db", body).await;

    assert_eq!(statuses, vec![200; COPIES]);
    assert_eq!(
        stored_events(&app).await,
        vec![("applied".to_owned(), Some("inserted".to_owned()))]
    );
    assert!(app.mirror_row(id).await.is_some());
}

// The property test.

/// One row of auth.users at one version.
#[derive(Debug, Clone)]
struct AuthState {
    updated_at: DateTime<Utc>,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    is_anonymous: bool,
    user_metadata: Value,
    app_metadata: Value,
    email_confirmed: bool,
    deleted: bool,
}

/// A user's history: its states in version order, and whether the row was hard-deleted
/// after the last one.
#[derive(Debug, Clone)]
struct History {
    created_at: DateTime<Utc>,
    states: Vec<AuthState>,
    hard_deleted: bool,
    /// Extra nanoseconds on the hook's times (Supabase's JSON may carry them; the database
    /// keeps microseconds).
    hook_nanos: u32,
}

/// One delivery about the history's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// `after-user-created` of the first state; `invited` blanks its user metadata as
    /// Supabase's invite path does.
    Hook { invited: bool },
    /// The db event of state `n`: INSERT for the first, UPDATE after.
    Write(usize),
    /// The db event of the hard delete: `old_record` is the last state.
    Delete,
}

#[derive(Debug, Clone)]
struct Scenario {
    history: History,
    /// Every copy of every delivery, in version order.
    in_order: Vec<Delivery>,
    /// The same multiset, in a random order.
    shuffled: Vec<Delivery>,
}

/// Who a scenario is played for: its own user id and hook invocation id.
struct Subject {
    id: Uuid,
    invocation: Uuid,
}

impl Subject {
    fn new() -> Self {
        Self {
            id: Uuid::new_v4(),
            invocation: Uuid::new_v4(),
        }
    }
}

fn live_state() -> impl Strategy<Value = AuthState> {
    (
        select(vec![
            None,
            Some(""),
            Some("ada@example.com"),
            Some("Ada@Example.org"),
            Some("grace@example.net"),
        ]),
        select(vec![
            None,
            Some(""),
            Some("15551230001"),
            Some("15551230002"),
        ]),
        any::<bool>(),
        select(vec![
            json!({}),
            json!({ "name": "Ada" }),
            json!({ "name": "Grace", "plan": "pro" }),
            json!({ "tags": ["a", "b"], "avatar_url": null }),
        ]),
        select(vec![
            json!({ "provider": "email", "providers": ["email"] }),
            json!({ "provider": "phone", "providers": ["phone"] }),
            json!({ "provider": "email", "providers": ["email", "google"], "role": "admin" }),
        ]),
        any::<bool>(),
    )
        .prop_map(
            |(email, phone, is_anonymous, user_metadata, app_metadata, email_confirmed)| {
                AuthState {
                    updated_at: DateTime::UNIX_EPOCH,
                    email,
                    phone,
                    is_anonymous,
                    user_metadata,
                    app_metadata,
                    email_confirmed,
                    deleted: false,
                }
            },
        )
}

/// Microseconds between two versions: from 1 µs to a day.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![1i64..1_000, 1_000i64..86_400_000_000]
}

fn history() -> impl Strategy<Value = History> {
    (
        // Short histories half of the time: creation-version races need them.
        prop_oneof![
            vec((gap(), live_state()), 1..=2),
            vec((gap(), live_state()), 1..=6)
        ],
        proptest::option::of(gap()),
        any::<bool>(),
        0u32..1_000,
    )
        .prop_map(|(versions, soft_delete, hard_deleted, hook_nanos)| {
            let created_at = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.123456Z")
                .unwrap()
                .with_timezone(&Utc);
            let mut at = created_at;
            let mut states = Vec::new();
            for (index, (gap, mut state)) in versions.into_iter().enumerate() {
                if index > 0 {
                    at += Duration::microseconds(gap);
                }
                state.updated_at = at;
                states.push(state);
            }
            if let Some(gap) = soft_delete {
                // Supabase's soft delete: hashes for email and phone, metadata emptied.
                let last = states.last().expect("one state at least").clone();
                states.push(AuthState {
                    updated_at: at + Duration::microseconds(gap),
                    email: Some("3b5d2e8a9c1f4e7b8a6d0c2e4f6a8b0c"),
                    phone: Some("9f86d081884c7d659a2feaa0c55ad015"),
                    user_metadata: json!({}),
                    app_metadata: json!({}),
                    deleted: true,
                    ..last
                });
            }
            History {
                created_at,
                states,
                hard_deleted,
                hook_nanos,
            }
        })
}

/// How many copies of a delivery arrive: sometimes none (pg_net loses some), often more
/// than one (retries).
fn copies() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 4 => Just(1usize), 3 => 2usize..=3]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    // The hook: none, plain, or (more often: the case that needs care) invite-blanked.
    let hook = prop_oneof![1 => Just(None), 1 => Just(Some(false)), 2 => Just(Some(true))];
    (history(), hook)
        .prop_flat_map(|(history, hook)| {
            let mut deliveries: Vec<Delivery> = hook
                .map(|invited| Delivery::Hook { invited })
                .into_iter()
                .collect();
            deliveries.extend((0..history.states.len()).map(Delivery::Write));
            if history.hard_deleted {
                deliveries.push(Delivery::Delete);
            }
            let count = deliveries.len();
            (Just(history), Just(deliveries), vec(copies(), count))
        })
        .prop_flat_map(|(history, deliveries, copies)| {
            let in_order: Vec<Delivery> = deliveries
                .iter()
                .zip(copies)
                .flat_map(|(delivery, copies)| std::iter::repeat(*delivery).take(copies))
                .collect();
            (
                Just(history),
                Just(in_order.clone()),
                Just(in_order).prop_shuffle(),
            )
        })
        .prop_map(|(history, in_order, shuffled)| Scenario {
            history,
            in_order,
            shuffled,
        })
}

/// A time as PostgreSQL's `to_jsonb` writes a timestamptz.
fn db_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A time as Supabase Auth's JSON may carry it: nanoseconds, `Z`.
fn hook_time(time: DateTime<Utc>, nanos: u32) -> String {
    format!("{}{nanos:03}Z", time.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

impl History {
    fn row(&self, id: Uuid, state: &AuthState) -> Value {
        json!({
            "id": id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": state.email,
            "phone": state.phone,
            "email_confirmed_at": state.email_confirmed.then(|| db_time(self.created_at)),
            "raw_app_meta_data": state.app_metadata,
            "raw_user_meta_data": state.user_metadata,
            "created_at": db_time(self.created_at),
            "updated_at": db_time(state.updated_at),
            "deleted_at": state.deleted.then(|| db_time(state.updated_at)),
            "is_anonymous": state.is_anonymous,
            "is_sso_user": false
        })
    }

    fn hook_user(&self, id: Uuid, invited: bool) -> Value {
        let state = &self.states[0];
        let created_at = hook_time(self.created_at, self.hook_nanos);
        let mut user = json!({
            "id": id,
            "aud": "authenticated",
            "role": "",
            "email": state.email.unwrap_or(""),
            "phone": state.phone.unwrap_or(""),
            "app_metadata": state.app_metadata,
            "user_metadata": state.user_metadata,
            "identities": [],
            "created_at": created_at,
            "updated_at": hook_time(state.updated_at, self.hook_nanos),
            "is_anonymous": state.is_anonymous
        });
        if state.email_confirmed {
            user["email_confirmed_at"] = json!(created_at);
        }
        if invited {
            user["invited_at"] = json!(created_at);
            user["user_metadata"] = json!({});
        }
        user
    }

    fn body(&self, delivery: Delivery, subject: &Subject) -> (&'static str, Vec<u8>) {
        let id = subject.id;
        match delivery {
            Delivery::Hook { invited } => (
                "/hooks/auth",
                hook(
                    "after-user-created",
                    subject.invocation,
                    self.hook_user(id, invited),
                ),
            ),
            Delivery::Write(0) => (
                "/hooks/db",
                db_event("INSERT", Some(self.row(id, &self.states[0])), None),
            ),
            Delivery::Write(n) => (
                "/hooks/db",
                db_event(
                    "UPDATE",
                    Some(self.row(id, &self.states[n])),
                    Some(self.row(id, &self.states[n - 1])),
                ),
            ),
            Delivery::Delete => {
                let last = self.states.last().expect("one state at least");
                (
                    "/hooks/db",
                    db_event("DELETE", None, Some(self.row(id, last))),
                )
            }
        }
    }
}

/// Every mirrored column of the row, without its id and row timestamps.
async fn comparable_row(app: &TestApp, id: Uuid) -> Option<Value> {
    sqlx::query_scalar(
        "select to_jsonb(u) - 'id' - 'created_at' - 'updated_at' from public.users u \
          where id = $1",
    )
    .bind(id)
    .fetch_optional(&app.database.pool)
    .await
    .expect("read public.users")
}

async fn play(
    app: &TestApp,
    history: &History,
    deliveries: &[Delivery],
    subject: &Subject,
) -> Result<(), TestCaseError> {
    for &delivery in deliveries {
        let (path, body) = history.body(delivery, subject);
        let response = app.post_signed(path, &body).await;
        prop_assert_eq!(response.status().as_u16(), 200, "{:?}", delivery);
    }
    Ok(())
}

async fn converges(app: &TestApp, scenario: Scenario) -> Result<(), TestCaseError> {
    let (shuffled, in_order) = (Subject::new(), Subject::new());

    play(app, &scenario.history, &scenario.shuffled, &shuffled).await?;
    play(app, &scenario.history, &scenario.in_order, &in_order).await?;

    let expected = comparable_row(app, in_order.id).await;
    let actual = comparable_row(app, shuffled.id).await;
    prop_assert_eq!(actual, expected);
    Ok(())
}

#[test]
fn any_order_of_a_users_deliveries_ends_in_the_row_of_version_order() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The pool and the app's tasks need the runtime also when dropped.
    let _context = runtime.enter();
    let app = runtime.block_on(spawn_app());
    let mut runner = TestRunner::new(Config {
        cases: 24,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..Config::default()
    });

    let result = runner.run(&scenario(), |scenario| {
        runtime.block_on(converges(&app, scenario))
    });

    if let Err(failure) = result {
        panic!("{failure}");
    }
}
