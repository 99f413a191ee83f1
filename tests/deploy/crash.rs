//! `kill -9` of the real binary mid-load: every delivery it answered 2xx is stored and
//! applied exactly once after a restart, and the restarted service takes deliveries again.

use std::collections::HashMap;

use auth_mirror::webhook::WebhookSecrets;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use uuid::Uuid;

use crate::deploy::running::Running;
use crate::deploy::shutdown::{load_until_answered, post_signup};

const WORKERS: usize = 8;

#[tokio::test]
async fn sigkill_mid_load_loses_no_answered_delivery_and_applies_none_twice() {
    let mut running = Running::start(&[]).await;
    let workers = load_until_answered(&running, WORKERS, 200).await;

    // Mid-load: deliveries are queued, in a batch, or committing right now.
    kill(Pid::from_raw(running.service.pid() as i32), Signal::SIGKILL).unwrap();
    let mut results = Vec::new();
    for worker in workers {
        results.extend(worker.await.unwrap());
    }
    running.restart(&[]).await;
    let url = format!("{}/hooks/auth", running.origin());

    let accepted: Vec<Uuid> = results
        .iter()
        .filter(|answer| (200..300).contains(&answer.status))
        .map(|answer| answer.user)
        .collect();
    assert!(accepted.len() >= 200, "only {} accepted", accepted.len());
    let rows: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "select e.user_id, e.status, exists (select 1 from public.users u where u.id = e.user_id) \
           from auth_mirror.events e where e.user_id = any($1)",
    )
    .bind(&accepted)
    .fetch_all(&running.database.pool)
    .await
    .unwrap();
    let mut events_per_user: HashMap<Uuid, usize> = HashMap::new();
    for (user, status, mirrored) in &rows {
        assert_eq!(status, "applied", "{user}");
        assert!(mirrored, "{user} answered 2xx but not mirrored");
        *events_per_user.entry(*user).or_default() += 1;
    }
    let missing = accepted
        .iter()
        .filter(|user| !events_per_user.contains_key(user))
        .count();
    assert_eq!(missing, 0, "answered 2xx but not stored");
    assert!(events_per_user.values().all(|&events| events == 1));

    // The restarted service takes deliveries again.
    let key = WebhookSecrets::parse(&running.secret).unwrap().keys()[0].clone();
    let again = post_signup(&reqwest::Client::new(), &url, &key, Uuid::new_v4()).await;
    assert_eq!(again.unwrap().status(), 200);
}
