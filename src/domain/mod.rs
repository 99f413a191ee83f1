//! Domain types: what a delivery means once parsed, with the invariants the mirror relies on.
//! Wire structs mirror Supabase's JSON; `TryFrom` turns them into these types at the boundary.

mod admin_users;
mod event;
mod nul;
pub mod reported;
mod timestamp;
mod user_state;
mod wire;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use admin_users::{parse_admin_user, parse_admin_users_page, InvalidAdminUser};
pub use event::{Action, EventKey, ParseFailure, ParsedEvent, Source};
pub use timestamp::{parse_time, Version};
pub use user_state::UserState;
