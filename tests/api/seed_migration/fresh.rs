//! On a fresh database the migrations leave only `users` in `public`; rerunning them is harmless.

use auth_mirror::store::migrate;

use super::UNMIGRATED;
use crate::helpers::{Setup, TestDatabase};

#[tokio::test]
async fn a_migrated_database_holds_no_table_of_ours_in_public_but_users() {
    for setup in [UNMIGRATED, Setup::default()] {
        let db = TestDatabase::create(Setup {
            migrated: false,
            ..setup
        })
        .await;

        migrate::run(&db.pool).await.expect("migrate");
        // Running again (every deploy's release command) changes nothing.
        migrate::run(&db.pool).await.expect("migrate again");

        let public: Vec<String> = sqlx::query_scalar(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(public, vec!["users"], "{setup:?}");
        let history: Vec<String> = sqlx::query_scalar(
            "select schemaname::text from pg_tables where tablename = '_sqlx_migrations'",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(history, vec!["auth_mirror"], "{setup:?}");
        let applied: i64 =
            sqlx::query_scalar("select count(*) from auth_mirror._sqlx_migrations where success")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(applied as usize, migrate::migrations().len(), "{setup:?}");
    }
}
