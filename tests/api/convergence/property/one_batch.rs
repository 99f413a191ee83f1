//! The batch road: the whole generated sequences of several users (every copy of every
//! delivery, from every writer, in one shuffled order) handed to group commit's statement
//! (`auth_mirror.ingest_deliveries`) as ONE batch. The set-based rule reduces them per user in
//! one statement; each user's row must be the one the independent model gives, and a user's
//! row is reported `inserted` by exactly one of its events.
//!
//! A trigger arrival goes in as the database event of its state (the state the trigger would
//! hand to the rule).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use sqlx::PgPool;
use uuid::Uuid;

use super::super::one_batch::{ingest, Delivery};
use super::generators::any_scenario;
use super::model::{expected_row, ModelState};
use super::scenario::{Scenario, Writer};
use super::writers::Subject;
use crate::helpers::{mirror_row, Setup, TestDatabase};

const REGRESSIONS: &str = "tests/api/convergence/property_one_batch.proptest-regressions";

/// Up to four users' scenarios, and the order of all their arrivals: (user, arrival).
fn batches() -> impl Strategy<Value = (Vec<Scenario>, Vec<(usize, usize)>)> {
    vec(any_scenario(), 1..=4).prop_flat_map(|scenarios| {
        let order: Vec<(usize, usize)> = scenarios
            .iter()
            .enumerate()
            .flat_map(|(user, scenario)| (0..scenario.arrivals.len()).map(move |a| (user, a)))
            .collect();
        (Just(scenarios), Just(order).prop_shuffle())
    })
}

fn delivery(
    subject: &Subject<'_>,
    item: usize,
    source: &'static str,
    body: Vec<u8>,
    state: &ModelState,
) -> Delivery {
    Delivery {
        source,
        event_key: format!("{}:{item}", subject.id),
        user_id: subject.id,
        payload: body,
        email: state.email.clone(),
        phone: state.phone.clone(),
        is_anonymous: state.is_anonymous,
        user_metadata: state.user_metadata.clone(),
        app_metadata: state.app_metadata.clone(),
        email_confirmed_at: state.email_confirmed_at,
        created_at: state.created_at,
        updated_at: state.updated_at,
        deleted_at: state.deleted_at,
        removed: state.removed,
    }
}

async fn one_batch_ends_in_the_models_rows(
    pool: &PgPool,
    scenarios: &[Scenario],
    order: &[(usize, usize)],
    tag: u32,
) -> Result<(), TestCaseError> {
    let subjects: Vec<Subject> = scenarios
        .iter()
        .enumerate()
        .map(|(n, scenario)| Subject {
            scenario,
            id: Uuid::new_v4(),
            tag: tag * 4 + n as u32,
        })
        .collect();
    let mut delivered: Vec<Vec<ModelState>> = vec![Vec::new(); subjects.len()];
    let mut invocations: HashMap<(usize, usize), Uuid> = HashMap::new();
    let mut batch = Vec::new();
    let mut keys = HashSet::new();
    for &(user, place) in order {
        let subject = &subjects[user];
        let arrival = subject.scenario.arrivals[place];
        let state = &subject.scenario.states[arrival.state];
        let (source, (body, carried)) = match arrival.writer {
            Writer::Hook => {
                let invocation = *invocations
                    .entry((user, arrival.item))
                    .or_insert_with(Uuid::new_v4);
                ("auth_hook", subject.hook(state, invocation))
            }
            Writer::DbEvent | Writer::Trigger => ("db_webhook", subject.db_event(state)),
        };
        // Group commit sends a key once (the first copy; the others are answered as its
        // duplicates): copies of one delivery carry the same state.
        if keys.insert((user, arrival.item)) {
            batch.push(delivery(subject, arrival.item, source, body, &carried));
        }
        delivered[user].push(carried);
    }

    let answers = ingest(pool, &batch).await;

    for (status, _, error) in &answers {
        prop_assert_eq!(status.as_str(), "applied", "{:?}", error);
    }
    for (user, subject) in subjects.iter().enumerate() {
        let expected = expected_row(subject.id, &delivered[user]);
        let inserted: HashSet<&str> = batch
            .iter()
            .zip(&answers)
            .filter(|(d, (_, effect, _))| {
                d.user_id == subject.id && effect.as_deref() == Some("inserted")
            })
            .map(|(d, _)| d.event_key.as_str())
            .collect();
        let inserted = inserted.len();
        prop_assert_eq!(inserted, usize::from(expected.is_some()), "user {}", user);
        let actual = mirror_row(pool, subject.id).await;
        prop_assert_eq!(
            actual,
            expected,
            "user {}; delivered: {:#?}",
            user,
            delivered[user]
        );
    }
    Ok(())
}

#[test]
fn several_users_whole_sequences_in_one_batch_end_in_the_rows_the_model_gives() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let _context = runtime.enter();
    let db = runtime.block_on(TestDatabase::create(Setup::default()));
    let tags = AtomicU32::new(0);
    let mut runner = TestRunner::new(Config {
        cases: super::cases(),
        max_shrink_iters: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..Config::default()
    });

    let result = runner.run(&batches(), |(scenarios, order)| {
        let tag = tags.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(one_batch_ends_in_the_models_rows(
            &db.pool, &scenarios, &order, tag,
        ))
    });

    if let Err(failure) = result {
        panic!("{failure}");
    }
}
