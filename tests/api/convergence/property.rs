//! The property: any order of a user's deliveries (lost, repeated) ends in the version-order row.

mod bodies;
mod generators;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};
use generators::scenario;

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
