//! Domain types: what a delivery means once parsed, with the invariants the mirror relies on.
//! Wire structs mirror Supabase's JSON; `TryFrom` turns them into these types at the boundary.

mod admin_view;
mod auth_api_users;
mod event;
mod event_status;
mod mirror_effect;
mod nul;
pub mod reported;
mod retry_schedule;
mod timestamp;
mod user_state;
mod wire;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use admin_view::{EventFilter, EventSummary, TriggerError, TriggerErrorStats};
pub use auth_api_users::{parse_auth_api_user, parse_auth_api_users_page, InvalidAuthApiUser};
pub use event::{Action, EventKey, ParseFailure, ParsedEvent, Source};
pub use event_status::{AppliedVia, EventStatus};
pub use mirror_effect::MirrorEffect;
pub use retry_schedule::{AfterFailure, InvalidSchedule, RetrySchedule, DEFAULT_RETRY_SCHEDULE};
pub use timestamp::{parse_time, Version};
pub use user_state::UserState;
