//! NUL characters (`\u0000`): JSON allows them in strings, PostgreSQL refuses them in `text`
//! and `jsonb`. Real Supabase can never send one (its data comes from `auth.users`, whose
//! text and jsonb columns cannot hold one), so a body carrying one is refused as a whole at
//! parsing, with this reason, instead of being stored as an event whose every apply fails.

use serde_json::Value;

/// The recorded reason of a body with a NUL character.
pub const NUL_REASON: &str =
    "the payload contains a NUL character (\\u0000), which PostgreSQL cannot store in text or jsonb";

/// Whether any string (value or object key) of the JSON `body` holds a NUL character.
/// `false` for bodies that are not JSON: they fail to parse for their own reason.
pub fn contains_nul(body: &[u8]) -> bool {
    // A NUL can only be written as this escape: the raw byte is not allowed in JSON, inside
    // or outside strings. Almost every body lacks it and costs one scan; the few that have it
    // (or an escaped backslash followed by `u0000`) are parsed to be sure.
    if !body.windows(ESCAPE.len()).any(|window| window == ESCAPE) {
        return false;
    }
    serde_json::from_slice::<Value>(body).is_ok_and(|value| holds_nul(&value))
}

const ESCAPE: &[u8] = b"\\u0000";

fn holds_nul(value: &Value) -> bool {
    // serde_json limits nesting to 128 levels, so this recursion is bounded.
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, field)| key.contains('\0') || holds_nul(field)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::contains_nul;

    #[test]
    fn a_nul_in_any_string_or_key_is_found() {
        for body in [
            r#"{"a":"x\u0000y"}"#,
            r#"{"a":{"b":["\u0000"]}}"#,
            r#"{"a\u0000":1}"#,
        ] {
            assert!(contains_nul(body.as_bytes()), "{body}");
        }
    }

    #[test]
    fn lookalikes_and_non_json_are_not_reported() {
        for body in [
            r#"{"a":"\\u0000"}"#,
            r#"{"a":"\u0001 u0000 \\0"}"#,
            r#"{"a":"\u0000"#,
        ] {
            assert!(!contains_nul(body.as_bytes()), "{body}");
        }
    }
}
