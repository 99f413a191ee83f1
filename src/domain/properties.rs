//! Property tests of the payload parsers (`ParsedEvent::parse`, both sources): whatever the
//! bytes, no panic and a reason that quotes nothing; a user Supabase could send is read back
//! exactly, under either source. The case count is proptest's (256 by default,
//! `PROPTEST_CASES` to run longer: see RELIABILITY.md).

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{Action, ParsedEvent, Source};

const SOURCES: [Source; 2] = [Source::AuthHook, Source::DbWebhook];

/// Marks every generated string, so that a reason quoting a value is caught.
const MARK: &str = "pii";

/// Text Supabase can store: any character but NUL, control characters and SQL included.
fn text() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,12}".prop_map(|text| format!("{MARK}{text}"))
}

/// Any JSON value a few levels deep, made of such text.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        // Floats with few digits: serde_json (without `float_roundtrip`) may misread the
        // last digit of a long one, a finding reported separately.
        any::<i32>().prop_map(|quarters| Value::from(f64::from(quarters) / 4.0)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::from),
            btree_map(text(), inner, 0..6).prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Fields of a user as Supabase writes them, under the Auth Hook's names.
#[derive(Debug, Clone)]
struct User {
    id: Uuid,
    email: Option<String>,
    user_metadata: Value,
    app_metadata: Value,
    is_anonymous: bool,
}

fn user() -> impl Strategy<Value = User> {
    (
        any::<u128>(),
        prop::option::of(text()),
        btree_map(text(), json_value(), 0..4),
        btree_map(text(), json_value(), 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(id, email, user_metadata, app_metadata, is_anonymous)| User {
                id: Uuid::from_u128(id),
                email,
                user_metadata: Value::Object(user_metadata.into_iter().collect()),
                app_metadata: Value::Object(app_metadata.into_iter().collect()),
                is_anonymous,
            },
        )
}

/// The body `source` would carry for `user`.
fn body(source: Source, user: &User) -> Vec<u8> {
    let email = user.email.clone().unwrap_or_default();
    let body = match source {
        Source::AuthHook => json!({
            "metadata": { "uuid": Uuid::nil(), "name": "after-user-created" },
            "user": {
                "id": user.id, "email": email, "phone": "",
                "user_metadata": user.user_metadata, "app_metadata": user.app_metadata,
                "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z",
                "is_anonymous": user.is_anonymous
            }
        }),
        Source::DbWebhook => json!({
            "type": "UPDATE", "table": "users", "schema": "auth", "old_record": null,
            "record": {
                "id": user.id, "email": user.email, "phone": null,
                "raw_user_meta_data": user.user_metadata, "raw_app_meta_data": user.app_metadata,
                "created_at": "2024-05-01T10:00:00+00:00", "updated_at": "2024-05-01T10:00:00+00:00",
                "is_anonymous": user.is_anonymous
            }
        }),
    };
    serde_json::to_vec(&body).unwrap()
}

/// Small edits a corrupting network, a buggy sender or an attacker could make.
#[derive(Debug, Clone)]
enum Edit {
    Flip(prop::sample::Index, u8),
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip(at, bit)),
        (any::<prop::sample::Index>(), 1usize..16).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
    ]
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    let length = body.len();
    if length == 0 {
        return;
    }
    match edit {
        Edit::Flip(at, bit) => body[at.index(length)] ^= 1 << bit,
        Edit::Delete(at, len) => {
            let start = at.index(length);
            body.drain(start..(start + len).min(length));
        }
        Edit::Insert(at, byte) => body.insert(at.index(length), *byte),
    }
}

/// Parses under `source` and, if it fails, checks the reason and key quote no generated value.
fn parse_quoting_nothing(source: Source, body: &[u8]) -> Result<(), TestCaseError> {
    if let Err(failure) = ParsedEvent::parse(source, body) {
        prop_assert!(!failure.reason.contains(MARK), "{}", failure.reason);
        prop_assert!(!failure.key.as_str().contains(MARK));
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_bytes_are_parsed_or_refused_without_panicking(bytes in vec(any::<u8>(), 0..2048)) {
        for source in SOURCES {
            let _ = ParsedEvent::parse(source, &bytes);
        }
    }

    #[test]
    fn any_json_is_parsed_or_refused_without_quoting_it(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        for source in SOURCES {
            parse_quoting_nothing(source, &bytes)?;
        }
    }

    #[test]
    fn an_edited_delivery_is_parsed_or_refused_without_quoting_it(
        user in user(),
        edits in vec(edit(), 1..6),
    ) {
        for source in SOURCES {
            let mut bytes = body(source, &user);
            for edit in &edits {
                apply(&mut bytes, edit);
            }
            parse_quoting_nothing(source, &bytes)?;
        }
    }

    #[test]
    fn a_user_supabase_could_send_is_read_back_exactly(user in user()) {
        for source in SOURCES {
            let event = ParsedEvent::parse(source, &body(source, &user)).unwrap();

            let Action::Mirror(state) = &event.action else {
                return Err(TestCaseError::fail(format!("not mirrored: {:?}", event.action)));
            };
            prop_assert_eq!(state.id, user.id);
            prop_assert_eq!(event.user_id, Some(user.id));
            prop_assert_eq!(&state.email, &user.email);
            prop_assert_eq!(state.user_metadata.as_ref(), Some(&user.user_metadata));
            prop_assert_eq!(state.app_metadata.as_ref(), Some(&user.app_metadata));
            prop_assert_eq!(state.is_anonymous, user.is_anonymous);
        }
    }

    #[test]
    fn a_nul_anywhere_in_a_user_refuses_the_delivery(user in user(), at in any::<prop::sample::Index>()) {
        // A NUL character at any position of the email.
        let mut with_nul = user.clone();
        let email = with_nul.email.get_or_insert_with(String::new);
        let position = at.index(email.chars().count() + 1);
        let byte = email.char_indices().nth(position).map_or(email.len(), |(index, _)| index);
        email.insert(byte, '\0');
        for source in SOURCES {
            let failure = ParsedEvent::parse(source, &body(source, &with_nul)).unwrap_err();

            prop_assert_eq!(
                failure.reason,
                "the payload contains a NUL character (\\u0000), which PostgreSQL cannot store in text or jsonb"
            );
        }
    }
}
