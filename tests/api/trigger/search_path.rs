//! The trigger runs as its owner: nothing it does, nor anything its INSERT sets off (an
//! application's own trigger on `public.users`), may resolve a name through the search_path
//! of whoever writes `auth.users` (migrations/0019 says why `SET search_path = ''` stays).

use super::{supabase_database, trigger_errors, T1};
use crate::helpers::{begin_as_auth_admin, mirror_row, Signup};

#[tokio::test]
async fn hostile_objects_earlier_on_the_callers_search_path_are_never_used() {
    let db = supabase_database().await;
    // The application's trigger on its table, written with an unqualified name as many are.
    sqlx::raw_sql(
        "create function public.test_lowercase_email() returns trigger language plpgsql as $$ \
         begin new.email := lower(new.email); return new; end $$; \
         create trigger test_lowercase_email before insert on public.users \
             for each row execute function public.test_lowercase_email();",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let signup = Signup::email("Ada@Example.com", T1);
    let mut auth = begin_as_auth_admin(&db.pool).await;
    // supabase_auth_admin owns schema auth: it can plant objects there and put it first,
    // ahead of pg_catalog. Each one records who ran it.
    sqlx::raw_sql(
        "create table auth.test_hijacked (by_role text, via text); \
         grant insert on auth.test_hijacked to public; \
         create function auth.test_hostile_eq(varchar, varchar) returns boolean language sql as \
             $$ insert into auth.test_hijacked values (current_user, '=') returning false $$; \
         create operator auth.= (leftarg = varchar, rightarg = varchar, \
             function = auth.test_hostile_eq); \
         create function auth.lower(text) returns text language sql as \
             $$ insert into auth.test_hijacked values (current_user, 'lower') returning $1 $$; \
         set local search_path = auth, pg_catalog;",
    )
    .execute(&mut *auth)
    .await
    .expect("plant hostile objects as supabase_auth_admin");

    sqlx::raw_sql(&signup.sql())
        .execute(&mut *auth)
        .await
        .expect("signup");
    let hijacked: Vec<(String, String)> = sqlx::query_as("select by_role, via from test_hijacked")
        .fetch_all(&mut *auth)
        .await
        .unwrap();
    auth.commit().await.unwrap();

    assert_eq!(
        hijacked,
        vec![],
        "code ran through the caller's search_path"
    );
    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
    assert!(trigger_errors(&db.pool).await.is_empty());
}
