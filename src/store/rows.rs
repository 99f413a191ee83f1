//! Reading a struct from a result row, one field per column of the same name.
//!
//! This is what `#[derive(sqlx::FromRow)]` does. The derive is not used because sqlx's
//! proc-macros compile a second copy of sqlx-postgres, rustls, ring and tokio for the build
//! host (about a quarter of a fresh `cargo build` on 2 cores; see `build.rs`).

/// `from_row!(Type { field, other: flatten })` (by name in `store`, `auth_mirror::from_row!` elsewhere) implements `sqlx::FromRow` for `Type`: each
/// field is read from the column of its name; a `flatten` field is read from the same row by
/// its own `FromRow`.
#[macro_export]
macro_rules! from_row {
    ($type:ident { $($field:ident $(: $flatten:ident)?),* $(,)? }) => {
        impl<'r> ::sqlx::FromRow<'r, ::sqlx::postgres::PgRow> for $type {
            fn from_row(row: &'r ::sqlx::postgres::PgRow) -> Result<Self, ::sqlx::Error> {
                Ok(Self { $($field: $crate::from_row!(@read row, $field $(, $flatten)?)),* })
            }
        }
    };
    (@read $row:ident, $field:ident) => {
        ::sqlx::Row::try_get($row, stringify!($field))?
    };
    (@read $row:ident, $field:ident, flatten) => {
        ::sqlx::FromRow::from_row($row)?
    };
}
