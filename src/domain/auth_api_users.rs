//! A page of Supabase's Admin API (`GET /auth/v1/admin/users`): `{"users": [...], "aud":
//! "authenticated"}`, each user shaped like an Auth Hook's `user`, parsed into user states
//! by the same code as the hook's.

use serde::Deserialize;
use serde_json::Value;

use super::user_state::UserState;
use super::wire::WireUser;

#[derive(Deserialize)]
struct WirePage {
    users: Vec<Value>,
}

/// A page or user object that is not what GoTrue sends. Names the field, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidAuthApiUser(String);

/// The user states of one page of the Admin API's user list.
pub fn parse_auth_api_users_page(body: &[u8]) -> Result<Vec<UserState>, InvalidAuthApiUser> {
    let page: WirePage = serde_json::from_slice(body)
        .map_err(|_| InvalidAuthApiUser("the body is not {\"users\": [...]}".into()))?;
    page.users.into_iter().map(auth_api_user).collect()
}

/// The state of one Admin API user object (`GET /auth/v1/admin/users/{id}`).
pub fn parse_auth_api_user(body: &[u8]) -> Result<UserState, InvalidAuthApiUser> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| InvalidAuthApiUser("the body is not a JSON user object".into()))?;
    auth_api_user(value)
}

fn auth_api_user(value: Value) -> Result<UserState, InvalidAuthApiUser> {
    let user: WireUser = serde_json::from_value(value).map_err(|error| {
        let message = error.to_string();
        // serde's other messages may quote values (an email): keep only field names.
        InvalidAuthApiUser(if message.starts_with("missing field") {
            format!("a user object has a {message}")
        } else {
            "a user object has a field of an unexpected type".into()
        })
    })?;
    UserState::from_wire(user, false).map_err(|error| InvalidAuthApiUser(error.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_gotrue_page_parses_like_hook_users() {
        let body = json!({
            "users": [{
                "id": "6f1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d", "aud": "authenticated",
                "role": "authenticated", "email": "", "phone": "15550001111",
                "app_metadata": {"provider": "phone"}, "user_metadata": {},
                "identities": [], "created_at": "2024-05-01T10:00:00Z",
                "updated_at": "2024-05-01T10:00:00.987654321Z", "is_anonymous": false
            }],
            "aud": "authenticated"
        });

        let states = parse_auth_api_users_page(body.to_string().as_bytes()).unwrap();

        assert_eq!(states.len(), 1);
        assert_eq!(states[0].email, None);
        assert_eq!(states[0].phone.as_deref(), Some("15550001111"));
        assert_eq!(
            states[0].version.unwrap().time().to_rfc3339(),
            "2024-05-01T10:00:00.987654+00:00"
        );
    }

    #[test]
    fn a_user_without_id_is_refused_without_quoting_values() {
        let body = json!({"users": [{"email": "ada@example.com"}]});

        let error = parse_auth_api_users_page(body.to_string().as_bytes()).unwrap_err();

        assert_eq!(error.to_string(), "a user object has a missing field `id`");
    }
}
