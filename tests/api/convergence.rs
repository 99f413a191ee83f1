//! Convergence (design §3): duplicates, concurrent copies and any delivery order of one
//! user's events end in the row that applying them in version order gives.

mod concurrent_copies;
mod creation_time;
pub mod one_batch;
mod property;
