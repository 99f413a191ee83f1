//! The property: whatever a user's deliveries are (from the Auth Hook, database events and the
//! auth.users trigger; lost, repeated, in any order; some of them failed first and then
//! replayed or retried, some spooled and drained: `roads`),
//! the mirror row is the one the independent model of the rule (`model`) says, not one
//! computed by the SQL under test. Each case then inserts every one of its states into
//! auth.users as a new user (`new_users`): the trigger's own insert path must agree with the
//! model and the rule.
//!
//! 256 cases by default (`PROPTEST_CASES` overrides), one app for all of them and a fresh
//! user per case. A failure is saved in `property.proptest-regressions` (committed) and
//! replayed first on every later run.

mod generators;
mod model;
mod new_users;
mod one_batch;
mod roads;
mod scenario;
mod writers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use uuid::Uuid;

use auth_mirror::config::DeliveryConfig;

use crate::helpers::{
    begin_as_auth_admin, mirror_row, spawn_admin_app_adjusted, AdminSetup, TestApp,
};
use generators::any_scenario;
use model::{expected_row, ModelState};
use scenario::{Deletion, PlannedState, Scenario, Writer};
use writers::{AuthRow, Subject};

/// Where found failures are kept, relative to the package root (the tests' working folder).
const REGRESSIONS: &str = "tests/api/convergence/property.proptest-regressions";

/// What one case played: the states the mirror was given, and auth.users as the trigger saw it.
struct Played {
    delivered: Vec<ModelState>,
    auth_row: Option<AuthRow>,
}

/// Writes `state` into auth.users as Supabase Auth would (as `supabase_auth_admin`); the
/// mirror trigger delivers what changed.
async fn write_auth_users(
    app: &TestApp,
    subject: &Subject<'_>,
    state: &PlannedState,
    played: &mut Played,
) {
    let mut auth = begin_as_auth_admin(&app.database.pool).await;
    if matches!(state.deletion, Deletion::Hard | Deletion::HardOfSoft(_)) {
        // A hard delete removes whatever the row is now; nothing to delete, nothing happens.
        if let Some(old) = played.auth_row.take() {
            sqlx::query("delete from users where id = $1")
                .bind(subject.id)
                .execute(&mut *auth)
                .await
                .expect("delete from auth.users");
            played.delivered.push(old.delivered(true));
        }
    } else {
        let row = subject.auth_row(state);
        let statement = if played.auth_row.is_some() {
            "update users set email = $2, phone = $3, is_anonymous = $4, raw_user_meta_data = $5, \
                 raw_app_meta_data = $6, email_confirmed_at = $7, created_at = $8, \
                 updated_at = $9, deleted_at = $10 \
              where id = $1"
        } else {
            "insert into users (instance_id, id, aud, role, email, phone, is_anonymous, \
                 raw_user_meta_data, raw_app_meta_data, email_confirmed_at, created_at, \
                 updated_at, deleted_at) \
             values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', \
                 'authenticated', $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        };
        sqlx::query(statement)
            .bind(subject.id)
            .bind(&row.email)
            .bind(&row.phone)
            .bind(row.is_anonymous)
            .bind(&row.user_metadata)
            .bind(&row.app_metadata)
            .bind(row.email_confirmed_at)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(row.deleted_at)
            .execute(&mut *auth)
            .await
            .expect("write auth.users");
        // The UPDATE trigger fires only when a mirrored column changed.
        let fires = played
            .auth_row
            .as_ref()
            .map_or(true, |old| old.mirrored_columns_differ(&row));
        if fires {
            played.delivered.push(row.delivered(false));
        }
        played.auth_row = Some(row);
    }
    auth.commit().await.expect("commit the auth write");
}

async fn play(
    app: &TestApp,
    subject: &Subject<'_>,
    played: &mut Played,
) -> Result<(), TestCaseError> {
    let mut invocations: HashMap<usize, Uuid> = HashMap::new();
    for (place, arrival) in subject.scenario.arrivals.iter().enumerate() {
        let state = &subject.scenario.states[arrival.state];
        let road = roads::road(subject.scenario, place);
        let http = |path, body| roads::deliver(app, subject, road, path, body);
        match arrival.writer {
            Writer::Hook => {
                let invocation = *invocations.entry(arrival.item).or_insert_with(Uuid::new_v4);
                let (body, carried) = subject.hook(state, invocation);
                http("/hooks/auth", &body).await?;
                played.delivered.push(carried);
            }
            Writer::DbEvent => {
                let (body, carried) = subject.db_event(state);
                http("/hooks/db", &body).await?;
                played.delivered.push(carried);
            }
            Writer::Trigger => write_auth_users(app, subject, state, played).await,
        }
    }
    Ok(())
}

async fn ends_in_the_models_row(
    app: &TestApp,
    scenario: Scenario,
    tag: u32,
) -> Result<(), TestCaseError> {
    let subject = Subject {
        scenario: &scenario,
        id: Uuid::new_v4(),
        tag,
    };
    let mut played = Played {
        delivered: Vec::new(),
        auth_row: None,
    };
    let mut outcome = play(app, &subject, &mut played).await;
    if outcome.is_ok() {
        outcome = roads::drained(app).await;
    }
    let actual = mirror_row(&app.database.pool, subject.id).await;
    // auth.users' unique indexes cover "" emails and phones: free them for the next cases.
    sqlx::query("delete from auth.users where id = $1")
        .bind(subject.id)
        .execute(&app.database.pool)
        .await
        .expect("clean auth.users");
    outcome?;

    let expected = expected_row(subject.id, &played.delivered);
    proptest::prop_assert_eq!(actual, expected, "delivered: {:#?}", played.delivered);
    new_users::each_state_inserted_by_the_trigger(app, &scenario, tag).await
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(256)
}

#[test]
fn any_deliveries_of_a_user_end_in_the_row_the_model_of_the_rule_gives() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The pool and the app's tasks need the runtime also when dropped.
    let _context = runtime.enter();
    let app = runtime.block_on(spawn_admin_app_adjusted(
        AdminSetup {
            schedule: roads::SCHEDULE,
            ..AdminSetup::default()
        },
        |config| {
            config.delivery = DeliveryConfig {
                deadline: roads::DEADLINE,
            }
        },
    ));
    let tags = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        max_shrink_iters: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..Config::default()
    });

    let result = runner.run(&any_scenario(), |scenario| {
        let tag = tags.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(ends_in_the_models_row(&app, scenario, tag))
    });

    if let Err(failure) = result {
        panic!("{failure}");
    }
    let untaken = roads::untaken();
    assert!(
        untaken.is_empty() || cases() < 32,
        "no case took these roads: {untaken:?}"
    );
}
