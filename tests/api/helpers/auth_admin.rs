//! Writing auth.users as Supabase Auth does (`supabase_auth_admin`), and reading the mirror back.

use sqlx::PgPool;

/// Opens a transaction that acts like Supabase Auth: role `supabase_auth_admin` (which has
/// no rights on `public` or `auth_mirror`) with its `search_path = auth`.
pub async fn begin_as_auth_admin(pool: &PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut transaction = pool.begin().await.expect("begin");
    sqlx::raw_sql("set local role supabase_auth_admin; set local search_path = auth")
        .execute(&mut *transaction)
        .await
        .expect("become supabase_auth_admin");
    transaction
}

/// Runs `statements` in one transaction as `supabase_auth_admin` and commits.
pub async fn as_auth_admin(pool: &PgPool, statements: &str) {
    let mut transaction = begin_as_auth_admin(pool).await;
    sqlx::raw_sql(statements)
        .execute(&mut *transaction)
        .await
        .expect("auth write as supabase_auth_admin");
    transaction.commit().await.expect("commit auth write");
}

/// A SQL literal: `null`, or the text quoted.
pub fn sql_literal(value: Option<&str>) -> String {
    value.map_or_else(
        || "null".to_owned(),
        |text| format!("'{}'", text.replace('\'', "''")),
    )
}

/// A signup as Supabase Auth writes it: the INSERT (password hash and tokens included),
/// then, in the same transaction, the UPDATE of `role`.
pub struct Signup<'a> {
    pub id: uuid::Uuid,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_anonymous: bool,
    pub user_metadata: &'a str,
    pub app_metadata: &'a str,
    /// `created_at` = `updated_at`, RFC 3339.
    pub at: &'a str,
}

impl<'a> Signup<'a> {
    pub fn email(email: &'a str, at: &'a str) -> Self {
        Self {
            id: uuid::Uuid::new_v4(),
            email: Some(email),
            phone: None,
            is_anonymous: false,
            user_metadata: r#"{"name": "Ada"}"#,
            app_metadata: r#"{"provider": "email", "providers": ["email"]}"#,
            at,
        }
    }

    pub fn sql(&self) -> String {
        format!(
            "insert into users (instance_id, id, aud, role, email, encrypted_password, \
                confirmation_token, confirmation_sent_at, recovery_token, \
                email_change_token_new, email_change, raw_app_meta_data, raw_user_meta_data, \
                is_super_admin, created_at, updated_at, phone, is_anonymous) \
             values ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', '', \
                {email}, '$2a$10$secret.password.hash', 'secret-confirmation-token', '{at}', '', \
                '', '', {app}, {user}, false, '{at}', '{at}', {phone}, {anonymous}); \
             update users set role = 'authenticated' where id = '{id}';",
            id = self.id,
            email = sql_literal(self.email),
            at = self.at,
            app = sql_literal(Some(self.app_metadata)),
            user = sql_literal(Some(self.user_metadata)),
            phone = sql_literal(self.phone),
            anonymous = self.is_anonymous,
        )
    }
}

/// The mirrored columns of a `public.users` row (not `settings` nor the row timestamps).
#[derive(Debug, PartialEq)]
pub struct MirrorRow {
    pub id: uuid::Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    pub user_metadata: Option<serde_json::Value>,
    pub app_metadata: Option<serde_json::Value>,
    pub email_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub auth_created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub auth_updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}
auth_mirror::from_row!(MirrorRow {
    id,
    email,
    phone,
    is_anonymous,
    user_metadata,
    app_metadata,
    email_confirmed_at,
    auth_created_at,
    auth_updated_at,
    deleted_at
});

/// The mirror row of user `id`, if any.
pub async fn mirror_row(pool: &PgPool, id: uuid::Uuid) -> Option<MirrorRow> {
    sqlx::query_as(
        "select id, email, phone, is_anonymous, user_metadata, app_metadata, \
                email_confirmed_at, auth_created_at, auth_updated_at, deleted_at \
           from public.users where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .expect("read public.users")
}

/// An RFC 3339 time as the database returns it.
pub fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339 time")
        .with_timezone(&chrono::Utc)
}
