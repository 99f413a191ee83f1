//! Black-box tests: the real application on a real socket, against a real PostgreSQL.

mod health;
mod helpers;
