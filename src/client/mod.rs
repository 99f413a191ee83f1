//! Clients of auth-mirror's own HTTP interface, shared by the commands that talk to a
//! running instance.

pub mod admin;
