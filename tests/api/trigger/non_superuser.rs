//! Migrating as hosted Supabase's `postgres`: not a superuser; it owns `public`, may read
//! `auth.users` and create triggers on it, but may not drop them (only their owner,
//! `supabase_auth_admin`, may). Every other test migrates as a superuser.

use auth_mirror::store;
use sqlx::PgPool;
use uuid::Uuid;

use super::T1;
use crate::helpers::{as_auth_admin, mirror_row, Setup, Signup, TestDatabase};

/// A role shaped like Supabase's `postgres` in database `db` (roles are cluster-wide, so it
/// has a name of its own), and a pool that connects as it.
struct SupabasePostgres {
    name: String,
    pool: PgPool,
}

impl SupabasePostgres {
    async fn create(db: &TestDatabase) -> Self {
        let name = format!("test_owner_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(&format!(
            r#"create role {name} login nosuperuser nocreatedb nocreaterole nobypassrls;
               grant connect, create on database "{database}" to {name};
               alter schema public owner to {name};
               grant usage on schema auth to {name};
               grant select, trigger on auth.users to {name};"#,
            database = db.name,
        ))
        .execute(&db.pool)
        .await
        .expect("create the owner role");
        let options = (*db.pool.connect_options()).clone().username(&name);
        Self {
            pool: store::pool::connect_lazy(options),
            name,
        }
    }

    async fn drop(self, db: &TestDatabase) {
        self.pool.close().await;
        sqlx::raw_sql(&format!(
            "reassign owned by {0} to current_user; drop owned by {0}; drop role {0};",
            self.name
        ))
        .execute(&db.pool)
        .await
        .expect("drop the owner role");
    }
}

#[tokio::test]
async fn a_non_superuser_owner_of_public_can_migrate_twice_and_its_trigger_mirrors() {
    let db = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;
    let owner = SupabasePostgres::create(&db).await;

    let first = store::migrate::run(&owner.pool).await;
    // Again, as every deploy's release command does: the triggers cannot be dropped and
    // re-created by this role, so they are kept.
    let second = store::migrate::run(&owner.pool).await;
    let (superuser, owns_users, triggers): (bool, bool, i64) = sqlx::query_as(
        "select (select rolsuper from pg_roles where rolname = current_user), \
                (select pg_get_userbyid(relowner) = current_user from pg_class \
                  where oid = 'public.users'::regclass), \
                (select count(*) from pg_trigger \
                  where tgfoid = 'auth_mirror.mirror_auth_user()'::regprocedure)",
    )
    .fetch_one(&owner.pool)
    .await
    .expect("read as the owner");
    // As on Supabase: it may create the triggers but not drop them.
    let dropped = sqlx::query("drop trigger auth_mirror_user_inserted on auth.users")
        .execute(&owner.pool)
        .await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    let mirrored = mirror_row(&db.pool, signup.id).await;
    let errors = super::trigger_errors(&db.pool).await;
    owner.drop(&db).await;

    first.expect("migrate as the non-superuser owner");
    second.expect("migrate again as the non-superuser owner");
    assert_eq!((superuser, owns_users, triggers), (false, true, 3));
    let refused = dropped.expect_err("only the owner of auth.users may drop its triggers");
    let code = refused.as_database_error().and_then(|error| error.code());
    assert_eq!(code.as_deref(), Some("42501"), "{refused}");
    assert!(mirrored.is_some(), "the trigger mirrors the signup");
    assert!(errors.is_empty(), "{errors:?}");
}
