//! proptest strategies: a user's history of auth.users states and the copies of each delivery.

use chrono::{DateTime, Duration, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

use super::{AuthState, Delivery, History, Scenario};

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

pub(super) fn scenario() -> impl Strategy<Value = Scenario> {
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
