//! proptest strategies: a user's versions, the states built from them, and who delivers each
//! state how often, in a random order.
//!
//! The scenarios stay inside the rule's documented scope (migrations/0004 "Known limit"),
//! so the model need not model what the rule leaves undefined:
//!   * all states of one version share that version's live content (Supabase bumps
//!     `updated_at` on every change); they may differ in creation time, in deletion and in
//!     whether they carry metadata;
//!   * metadata goes uncarried (absent, JSON null, the invite hook's blank) only at the
//!     creation version, the version Supabase's invite hook has.

use chrono::{DateTime, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

use super::scenario::{
    Arrival, Carried, Content, Deletion, PlannedState, Scenario, Versioned, Writer, EMAILS, PHONES,
};

fn content() -> impl Strategy<Value = Content> {
    (
        0..EMAILS.len(),
        0..PHONES.len(),
        any::<bool>(),
        select(vec![
            json!({}),
            json!({ "name": "Ada" }),
            json!({ "name": "Grace", "plan": "pro" }),
            json!({ "tags": ["a", "b"], "avatar_url": null }),
        ]),
        select(vec![
            json!({}),
            json!({ "provider": "email", "providers": ["email"] }),
            json!({ "provider": "phone", "providers": ["phone"], "role": "admin" }),
        ]),
        any::<bool>(),
    )
        .prop_map(
            |(email, phone, is_anonymous, user_metadata, app_metadata, email_confirmed)| Content {
                email,
                phone,
                is_anonymous,
                user_metadata,
                app_metadata,
                email_confirmed,
            },
        )
}

/// Microseconds between versions: 1 µs (a race) up to a day.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![1i64..=3, 4i64..1_000, 1_000i64..86_400_000_000]
}

/// Creation times: mostly the start (as Supabase), off by a microsecond or two (hook JSON
/// truncated, database rounded), sometimes far off, sometimes the placeholder.
fn created() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        3 => Just(Some(0i64)),
        3 => (-2i64..=2).prop_map(Some),
        1 => (-86_400_000_000i64..86_400_000_000).prop_map(Some),
        1 => Just(None),
    ]
}

fn carried() -> impl Strategy<Value = Carried> {
    prop_oneof![
        4 => Just(Carried::Yes),
        1 => Just(Carried::Absent),
        1 => Just(Carried::Null),
        2 => Just(Carried::InviteBlank),
    ]
}

fn deletion() -> impl Strategy<Value = Deletion> {
    prop_oneof![
        8 => Just(Deletion::No),
        2 => (0i64..=2).prop_map(Deletion::Soft),
        2 => Just(Deletion::Hard),
        1 => (0i64..=2).prop_map(Deletion::HardOfSoft),
    ]
}

fn state(versions: usize) -> impl Strategy<Value = PlannedState> {
    (
        prop_oneof![
            10 => (0..versions).prop_map(Versioned::At),
            1 => Just(Versioned::Placeholder),
            1 => Just(Versioned::Missing),
        ],
        0..versions,
        created(),
        carried(),
        carried(),
        deletion(),
    )
        .prop_map(
            |(version, content, created, user_metadata, app_metadata, deletion)| {
                let content = match version {
                    Versioned::At(n) => n,
                    _ => content,
                };
                // Uncarried metadata only at the creation version (the rule's documented scope).
                let scoped = |carried| match version {
                    Versioned::At(n) if n > 0 => Carried::Yes,
                    _ => carried,
                };
                PlannedState {
                    version,
                    content,
                    created,
                    user_metadata: scoped(user_metadata),
                    app_metadata: match scoped(app_metadata) {
                        Carried::InviteBlank => Carried::Yes,
                        other => other,
                    },
                    deletion,
                }
            },
        )
}

/// How many copies of a delivery arrive: sometimes none (pg_net loses some), often more
/// than one (retries).
fn copies() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 4 => Just(1usize), 2 => 2usize..=3]
}

fn writer() -> impl Strategy<Value = Writer> {
    prop_oneof![
        Just(Writer::Hook),
        Just(Writer::DbEvent),
        Just(Writer::Trigger)
    ]
}

pub fn any_scenario() -> impl Strategy<Value = Scenario> {
    (vec(gap(), 0..=3), 0u32..1_000)
        .prop_flat_map(|(gaps, hook_nanos)| {
            let versions: Vec<i64> = std::iter::once(0)
                .chain(gaps.iter().scan(0i64, |at, gap| {
                    *at += gap;
                    Some(*at)
                }))
                .collect();
            let count = versions.len();
            (
                Just(versions),
                vec(content(), count),
                vec(state(count), 1..=6),
                Just(hook_nanos),
            )
        })
        .prop_flat_map(|(versions, contents, states, hook_nanos)| {
            let deliveries = vec((0..states.len(), writer(), copies()), 1..=8);
            (
                Just(versions),
                Just(contents),
                Just(states),
                deliveries,
                Just(hook_nanos),
            )
        })
        .prop_flat_map(|(versions, contents, states, deliveries, hook_nanos)| {
            let arrivals: Vec<Arrival> = deliveries
                .iter()
                .enumerate()
                .flat_map(|(item, &(state, writer, copies))| {
                    // The hook only ever carries a live user.
                    let writer = match (writer, states[state].deletion) {
                        (Writer::Hook, Deletion::No) | (Writer::DbEvent | Writer::Trigger, _) => {
                            writer
                        }
                        (Writer::Hook, _) => Writer::DbEvent,
                    };
                    // A trigger write happens once; writing the same row again changes nothing.
                    let copies = if writer == Writer::Trigger {
                        copies.min(1)
                    } else {
                        copies
                    };
                    std::iter::repeat(Arrival {
                        state,
                        writer,
                        item,
                    })
                    .take(copies)
                })
                .collect();
            (
                Just(versions),
                Just(contents),
                Just(states),
                Just(arrivals).prop_shuffle(),
                Just(hook_nanos),
            )
        })
        .prop_map(
            |(versions, contents, states, arrivals, hook_nanos)| Scenario {
                start: DateTime::parse_from_rfc3339("2024-05-01T10:00:00.123456Z")
                    .unwrap()
                    .with_timezone(&Utc),
                versions,
                contents,
                states,
                arrivals,
                hook_nanos,
            },
        )
}
