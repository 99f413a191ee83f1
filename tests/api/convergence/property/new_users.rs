//! The trigger as the first writer of a new user, for every generated state: an INSERT into
//! auth.users takes the trigger's own insert path (migrations/0014, which restates what
//! `apply_user_state` inserts for a new live user) or, for a deletion or a state without a
//! real version, the rule itself. Either way the row must be the model's, and the row
//! `apply_user_state` makes of the same state for another new user: a drift between 0014's
//! insert and the rule fails here.

use proptest::test_runner::TestCaseError;
use uuid::Uuid;

use super::model::{expected_row, ModelState};
use super::scenario::{Deletion, PlannedState, Scenario};
use super::writers::Subject;
use super::{write_auth_users, Played};
use crate::helpers::{mirror_row, MirrorRow, TestApp};

/// Inserts each state of `scenario` as a new auth user (a hard deletion as the row it
/// deletes) and checks the mirror row the trigger made.
pub async fn each_state_inserted_by_the_trigger(
    app: &TestApp,
    scenario: &Scenario,
    tag: u32,
) -> Result<(), TestCaseError> {
    for state in &scenario.states {
        let inserted = PlannedState {
            deletion: match state.deletion {
                Deletion::Hard => Deletion::No,
                Deletion::HardOfSoft(micros) => Deletion::Soft(micros),
                other => other,
            },
            ..state.clone()
        };
        let subject = Subject {
            scenario,
            id: Uuid::new_v4(),
            tag,
        };
        let mut played = Played {
            delivered: Vec::new(),
            auth_row: None,
        };
        write_auth_users(app, &subject, &inserted, &mut played).await;
        let by_trigger = mirror_row(&app.database.pool, subject.id).await;
        // auth.users' unique indexes: free the email and phone for the next state.
        sqlx::query("delete from auth.users where id = $1")
            .bind(subject.id)
            .execute(&app.database.pool)
            .await
            .expect("clean auth.users");

        let expected = expected_row(subject.id, &played.delivered);
        proptest::prop_assert_eq!(&by_trigger, &expected, "inserted: {:#?}", played.delivered);
        let by_rule = applied_by_the_rule(app, &played.delivered[0]).await;
        proptest::prop_assert_eq!(
            by_rule.map(|row| MirrorRow {
                id: subject.id,
                ..row
            }),
            by_trigger,
            "apply_user_state and the trigger's insert differ on {:#?}",
            played.delivered
        );
    }
    Ok(())
}

/// The row `auth_mirror.apply_user_state` makes of `state` for a new user.
async fn applied_by_the_rule(app: &TestApp, state: &ModelState) -> Option<MirrorRow> {
    let id = Uuid::new_v4();
    sqlx::query(
        "select auth_mirror.apply_user_state($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(&state.email)
    .bind(&state.phone)
    .bind(state.is_anonymous)
    .bind(&state.user_metadata)
    .bind(&state.app_metadata)
    .bind(state.email_confirmed_at)
    .bind(state.created_at)
    .bind(state.updated_at)
    .bind(state.deleted_at)
    .bind(state.removed)
    .execute(&app.database.pool)
    .await
    .expect("apply_user_state");
    mirror_row(&app.database.pool, id).await
}
