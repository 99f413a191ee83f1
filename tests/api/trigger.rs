//! The `auth.users` mirror trigger (migrations/0005), driven like Supabase Auth drives it:
//! every auth write runs as `supabase_auth_admin`, and the mirror is checked through SQL.

use auth_mirror::store;
use auth_mirror::webhook::{sign, WebhookSecrets};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{
    as_auth_admin, at, begin_as_auth_admin, mirror_row, spawn_app, MirrorRow, Setup, Signup,
    TestApp, TestDatabase,
};

const T1: &str = "2024-05-01T10:00:00.123456Z";
const T2: &str = "2024-05-01T11:30:00.654321Z";
const T3: &str = "2024-05-02T08:00:00.000001Z";

/// Supabase's database, migrated, without the app.
async fn supabase_database() -> TestDatabase {
    TestDatabase::create(Setup::default()).await
}

/// `xmin` and `updated_at` of the mirror row: they change whenever the row is written.
async fn row_write_marks(pool: &PgPool, id: Uuid) -> (String, chrono::DateTime<chrono::Utc>) {
    sqlx::query_as("select xmin::text, updated_at from public.users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("mirror row")
}

async fn trigger_errors(pool: &PgPool) -> Vec<(Option<Uuid>, String, String)> {
    sqlx::query_as(
        "select user_id, operation, sqlstate from auth_mirror.trigger_errors order by id",
    )
    .fetch_all(pool)
    .await
    .expect("read trigger_errors")
}

#[tokio::test]
async fn email_signup_is_mirrored_once_and_the_role_update_does_not_write() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);

    let mut auth = begin_as_auth_admin(&db.pool).await;
    sqlx::raw_sql(&signup.sql())
        .execute(&mut *auth)
        .await
        .unwrap();
    // This transaction's own writes to public.users, trigger writes included.
    let (inserted, updated): (i64, i64) = sqlx::query_as(
        "select n_tup_ins, n_tup_upd from pg_stat_xact_user_tables \
          where schemaname = 'public' and relname = 'users'",
    )
    .fetch_one(&mut *auth)
    .await
    .unwrap();
    auth.commit().await.unwrap();

    assert_eq!(
        (inserted, updated),
        (1, 0),
        "the role update wrote the mirror"
    );
    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(
        row,
        MirrorRow {
            id: signup.id,
            email: Some("ada@example.com".into()),
            phone: None,
            is_anonymous: false,
            user_metadata: Some(json!({"name": "Ada"})),
            app_metadata: Some(json!({"provider": "email", "providers": ["email"]})),
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T1)),
            deleted_at: None,
        }
    );
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn phone_only_signup_is_mirrored_without_email() {
    let db = supabase_database().await;
    let signup = Signup {
        email: None,
        phone: Some("15550001111"),
        app_metadata: r#"{"provider": "phone", "providers": ["phone"]}"#,
        ..Signup::email("unused", T1)
    };

    as_auth_admin(&db.pool, &signup.sql()).await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email, None);
    assert_eq!(row.phone.as_deref(), Some("15550001111"));
    assert_eq!(row.auth_updated_at, Some(at(T1)));
}

#[tokio::test]
async fn anonymous_user_upgraded_to_email_is_mirrored() {
    let db = supabase_database().await;
    let signup = Signup {
        email: None,
        is_anonymous: true,
        user_metadata: "{}",
        app_metadata: "{}",
        ..Signup::email("unused", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;
    let anonymous = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert!(anonymous.is_anonymous);
    assert_eq!((anonymous.email, anonymous.phone), (None, None));

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = 'upgraded@example.com', is_anonymous = false, \
                 raw_app_meta_data = '{{\"provider\": \"email\", \"providers\": [\"email\"]}}', \
                 updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert!(!row.is_anonymous);
    assert_eq!(row.email.as_deref(), Some("upgraded@example.com"));
    assert_eq!(
        row.app_metadata,
        Some(json!({"provider": "email", "providers": ["email"]}))
    );
    assert_eq!(row.auth_created_at, Some(at(T1)));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn email_change_is_mirrored_when_confirmed() {
    let db = supabase_database().await;
    let signup = Signup::email("old@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    // Requesting the change touches only unmirrored columns.
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email_change = 'new@example.com', \
                 email_change_token_new = 'secret-change-token', email_change_sent_at = '{T2}', \
                 updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;
    let requested = mirror_row(&db.pool, signup.id).await.expect("mirrored");

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = email_change, email_change = '', \
                 email_change_token_new = '', updated_at = '{T3}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    assert_eq!(requested.email.as_deref(), Some("old@example.com"));
    assert_eq!(requested.auth_updated_at, Some(at(T1)));
    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("new@example.com"));
    assert_eq!(row.auth_updated_at, Some(at(T3)));
}

#[tokio::test]
async fn sign_in_does_not_write_the_mirror() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    let before = mirror_row(&db.pool, signup.id).await;
    let marks_before = row_write_marks(&db.pool, signup.id).await;

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set last_sign_in_at = '{T2}', updated_at = '{T2}' where id = '{}'",
            signup.id
        ),
    )
    .await;

    assert_eq!(mirror_row(&db.pool, signup.id).await, before);
    assert_eq!(row_write_marks(&db.pool, signup.id).await, marks_before);
}

#[tokio::test]
async fn soft_delete_leaves_a_tombstone_without_personal_data() {
    let db = supabase_database().await;
    let signup = Signup {
        phone: Some("15550002222"),
        ..Signup::email("ada@example.com", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;

    // Supabase Auth's soft delete: hashes instead of email and phone, metadata emptied.
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = encode(sha256(convert_to(email, 'UTF8')), 'hex'), \
                 phone = encode(sha256(convert_to(phone, 'UTF8')), 'hex'), \
                 raw_user_meta_data = '{{}}', raw_app_meta_data = '{{}}', \
                 encrypted_password = '', deleted_at = '{T2}', updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("tombstone");
    assert_eq!(
        row,
        MirrorRow {
            id: signup.id,
            email: None,
            phone: None,
            is_anonymous: false,
            user_metadata: None,
            app_metadata: None,
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T2)),
            deleted_at: Some(at(T2)),
        }
    );
}

#[tokio::test]
async fn hard_delete_leaves_a_tombstone() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;

    as_auth_admin(
        &db.pool,
        &format!("delete from users where id = '{}'", signup.id),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("tombstone");
    assert_eq!(
        (row.email, row.phone, row.user_metadata),
        (None, None, None)
    );
    assert_eq!(row.deleted_at, Some(at(T1)));
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn failing_mirror_lets_the_signup_commit_and_records_the_error() {
    let db = supabase_database().await;
    sqlx::query(
        "alter table public.users add constraint test_rejects_blocked \
         check (email is distinct from 'blocked@example.com')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let signup = Signup::email("blocked@example.com", T1);

    as_auth_admin(&db.pool, &signup.sql()).await;

    let committed: bool =
        sqlx::query_scalar("select exists (select 1 from auth.users where id = $1)")
            .bind(signup.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(committed, "the auth insert must commit");
    assert_eq!(mirror_row(&db.pool, signup.id).await, None);
    assert_eq!(
        trigger_errors(&db.pool).await,
        vec![(Some(signup.id), "INSERT".to_owned(), "23514".to_owned())]
    );
}

/// The mirror triggers on `auth.users`, by name.
async fn mirror_triggers(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select tgname::text from pg_trigger \
          where tgfoid = 'auth_mirror.mirror_auth_user()'::regprocedure order by tgname",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn trigger_is_installed_only_where_auth_users_exists_and_migrating_again_is_harmless() {
    let plain = TestDatabase::create(Setup {
        supabase_shaped: false,
        migrated: true,
    })
    .await;
    let supabase = supabase_database().await;

    store::migrate::run(&plain.pool)
        .await
        .expect("re-migrate plain");
    store::migrate::run(&supabase.pool)
        .await
        .expect("re-migrate supabase");

    let has_auth_users: bool = sqlx::query_scalar("select to_regclass('auth.users') is not null")
        .fetch_one(&plain.pool)
        .await
        .unwrap();
    assert!(!has_auth_users);
    assert!(mirror_triggers(&plain.pool).await.is_empty());
    assert_eq!(
        mirror_triggers(&supabase.pool).await,
        [
            "auth_mirror_user_deleted",
            "auth_mirror_user_inserted",
            "auth_mirror_user_updated"
        ]
    );
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&supabase.pool, &signup.sql()).await;
    assert!(mirror_row(&supabase.pool, signup.id).await.is_some());
}

#[tokio::test]
async fn mirror_functions_are_closed_to_api_roles_and_auth_admin_has_no_rights_on_public() {
    let db = supabase_database().await;

    for function in [
        "auth_mirror.mirror_auth_user()",
        "auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, \
         timestamptz, timestamptz, timestamptz, boolean)",
    ] {
        let (definer, config, public, anon, authenticated): (bool, Vec<String>, bool, bool, bool) =
            sqlx::query_as(
                "select p.prosecdef, p.proconfig, \
                        exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a \
                                 where a.grantee = 0 and a.privilege_type = 'EXECUTE'), \
                        has_function_privilege('anon', p.oid, 'EXECUTE'), \
                        has_function_privilege('authenticated', p.oid, 'EXECUTE') \
                   from pg_proc p where p.oid = $1::regprocedure",
            )
            .bind(function)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert!(definer, "{function} must be SECURITY DEFINER");
        assert_eq!(config, [r#"search_path="""#], "{function}");
        assert_eq!(
            (public, anon, authenticated),
            (false, false, false),
            "{function}"
        );
    }
    // USAGE on public comes from PUBLIC, as on Supabase; no table of it is writable.
    let (table, schema, private): (bool, bool, bool) = sqlx::query_as(
        "select has_table_privilege('supabase_auth_admin', 'public.users', \
                    'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'), \
                has_schema_privilege('supabase_auth_admin', 'public', 'CREATE'), \
                has_schema_privilege('supabase_auth_admin', 'auth_mirror', 'USAGE, CREATE')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((table, schema, private), (false, false, false));
}

/// The `after-user-created` Auth Hook for the state `signup` wrote.
fn after_user_created(signup: &Signup) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "metadata": {
            "uuid": Uuid::new_v4(),
            "time": chrono::Utc::now().to_rfc3339(),
            "name": "after-user-created",
            "ip_address": "127.0.0.1"
        },
        "user": {
            "id": signup.id,
            "aud": "authenticated",
            "role": "authenticated",
            "email": signup.email.unwrap_or(""),
            "phone": signup.phone.unwrap_or(""),
            "app_metadata": serde_json::from_str::<serde_json::Value>(signup.app_metadata).unwrap(),
            "user_metadata": serde_json::from_str::<serde_json::Value>(signup.user_metadata).unwrap(),
            "identities": [],
            "created_at": signup.at,
            "updated_at": signup.at,
            "is_anonymous": signup.is_anonymous
        }
    }))
    .unwrap()
}

/// Posts `body` to `/hooks/auth`, signed like Supabase signs it.
async fn deliver_auth_hook(app: &TestApp, body: Vec<u8>) -> reqwest::Response {
    let secrets = WebhookSecrets::parse(&app.secrets).unwrap();
    let id = format!("msg_{}", Uuid::new_v4().simple());
    let now = chrono::Utc::now().timestamp();
    let signature = sign(&secrets.keys()[0], &id, now, &body);
    app.client
        .post(format!("{}/hooks/auth", app.address))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// What the service recorded for the deliveries about user `id`: (status, effect).
async fn stored_events(pool: &PgPool, id: Uuid) -> Vec<(String, Option<String>)> {
    sqlx::query_as("select status, effect from auth_mirror.events where user_id = $1 order by id")
        .bind(id)
        .fetch_all(pool)
        .await
        .expect("read auth_mirror.events")
}

fn metadata_update(id: Uuid) -> String {
    format!(
        "update users set raw_user_meta_data = '{{\"name\": \"Ada L.\"}}', updated_at = '{T2}' \
          where id = '{id}'"
    )
}

#[tokio::test]
async fn trigger_and_http_deliveries_converge_in_either_order() {
    let (trigger_first, hook_first) = tokio::join!(spawn_app(), spawn_app());
    let signup = Signup::email("ada@example.com", T1);

    // A: trigger insert at T1, update at T2, then the hook's (older) T1 state.
    as_auth_admin(&trigger_first.database.pool, &signup.sql()).await;
    as_auth_admin(&trigger_first.database.pool, &metadata_update(signup.id)).await;
    let late = deliver_auth_hook(&trigger_first, after_user_created(&signup)).await;
    // B: the hook's T1 state first, then the trigger's insert at T1 and update at T2.
    let early = deliver_auth_hook(&hook_first, after_user_created(&signup)).await;
    let after_hook = mirror_row(&hook_first.database.pool, signup.id).await;
    as_auth_admin(&hook_first.database.pool, &signup.sql()).await;
    as_auth_admin(&hook_first.database.pool, &metadata_update(signup.id)).await;

    assert_eq!(late.status(), 200);
    assert_eq!(early.status(), 200);
    let applied = |effect: &str| vec![("applied".to_owned(), Some(effect.to_owned()))];
    assert_eq!(
        stored_events(&trigger_first.database.pool, signup.id).await,
        applied("stale")
    );
    assert_eq!(
        stored_events(&hook_first.database.pool, signup.id).await,
        applied("inserted")
    );
    let after_hook = after_hook.expect("the hook alone mirrors the user");
    assert_eq!(after_hook.auth_updated_at, Some(at(T1)));
    let a = mirror_row(&trigger_first.database.pool, signup.id).await;
    let b = mirror_row(&hook_first.database.pool, signup.id).await;
    assert_eq!(a, b);
    let row = a.expect("mirrored");
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    assert_eq!(row.user_metadata, Some(json!({"name": "Ada L."})));
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
}
