//! `fly.toml` against the binary: the release command runs, the app then starts with Fly's
//! environment and answers the checks, the ports agree, the kill timeout covers the shutdown.

use crate::cli::process::{auth_mirror, run, sandbox, stderr};
use crate::cli::service::{free_port, Service};
use crate::deploy::files::{self, effective_setting, fly_env, fly_toml, kill_timeout_seconds};
use crate::deploy::running::database_url;
use crate::helpers::{Setup, TestDatabase};

fn http_service(fly: &toml::Table) -> &toml::Table {
    fly["http_service"].as_table().expect("[http_service]")
}

fn check_paths(fly: &toml::Table) -> Vec<String> {
    http_service(fly)["checks"]
        .as_array()
        .expect("[[http_service.checks]]")
        .iter()
        .map(|check| check["path"].as_str().expect("check path").to_owned())
        .collect()
}

#[tokio::test]
async fn the_release_command_migrates_then_the_app_answers_every_check_with_flys_env() {
    let fly = fly_toml();
    let env = fly_env(&fly);
    let database = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;
    let url = database_url(&database);
    let dir = sandbox();
    let start_as_fly_does = || {
        // The app as the image's CMD starts it (the entrypoint's part, the volume, is
        // volume.rs's) with Fly's env, except the port: the test cannot take Fly's (another
        // test checks that one). HOST is the binary's.
        let stages = files::dockerfile_stages();
        let cmd = files::last(stages.last().unwrap(), "CMD")
            .expect("CMD")
            .words();
        // CMD names the binary first (docker.rs checks it); the arguments follow.
        let cmd: Vec<&str> = cmd[1..].iter().map(String::as_str).collect();
        let port = free_port();
        let mut command = auth_mirror(dir.path(), &cmd);
        command
            .envs(env.clone())
            .env("DATABASE_URL", &url)
            .env(
                "WEBHOOK_SECRETS",
                auth_mirror::webhook::WebhookSecrets::generate(),
            )
            .env("PORT", port.to_string())
            .env("METRICS_PORT", free_port().to_string())
            // Fly's volume is not here: a folder of the sandbox stands in for it.
            .env("SPOOL_DIR", dir.path().join("volume").join("spool"));
        Service::spawn(command, port)
    };

    // Before the release command: the machine does not migrate by itself (SKIP_MIGRATIONS).
    let mut unmigrated = start_as_fly_does();
    unmigrated.wait_until_ok("/healthz").await;
    let readiness = unmigrated.get("/readyz").await;
    assert_eq!(readiness.status(), 503);
    let body: serde_json::Value = readiness.json().await.unwrap();
    assert_eq!(body["reason"], "migrations_pending", "{body}");
    unmigrated.stop().await;

    // The release command, as Fly runs it: the app's env and secrets, in the image.
    let release = fly["deploy"]["release_command"]
        .as_str()
        .expect("release_command");
    let words: Vec<&str> = release.split_whitespace().collect();
    assert_eq!(words[0], files::binary_name(), "{release}");
    let mut command = auth_mirror(dir.path(), &words[1..]);
    command.envs(env.clone()).env("DATABASE_URL", &url);
    let migrated = run(command).await;
    assert!(
        migrated.status.success(),
        "{release}: {}",
        stderr(&migrated)
    );

    let mut service = start_as_fly_does();
    // Ready means migrated: the release command did it.
    service.wait_until_ready().await;

    for path in check_paths(&fly) {
        let response = service.get(&path).await;
        assert_eq!(response.status(), 200, "GET {path}: {}", service.output());
    }
    let listening = service
        .printed_lines()
        .into_iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .find(|line| line["message"] == "auth-mirror is listening")
        .unwrap_or_else(|| panic!("no JSON 'listening' line:\n{}", service.output()));
    // Fly's proxy reaches the machine on its private address: not loopback only.
    assert_eq!(listening["host"], "0.0.0.0", "{listening}");
    assert_eq!(listening["port"], service.port(), "{listening}");
    service.stop().await;
}

#[test]
fn internal_port_is_the_port_the_binary_binds_with_flys_env() {
    let fly = fly_toml();
    let internal_port = http_service(&fly)["internal_port"]
        .as_integer()
        .expect("internal_port");

    let bound: i64 = effective_setting(&fly, "PORT").parse().expect("a port");

    assert_eq!(bound, internal_port);
}

#[test]
fn metrics_are_scraped_from_their_own_port_which_the_internet_does_not_reach() {
    let fly = fly_toml();
    let internal_port = http_service(&fly)["internal_port"].as_integer();

    let metrics_port: i64 = effective_setting(&fly, "METRICS_PORT")
        .parse()
        .expect("a port");

    assert_eq!(fly["metrics"]["port"].as_integer(), Some(metrics_port));
    assert_ne!(Some(metrics_port), internal_port, "not the public port");
    let env = fly_env(&fly);
    assert!(
        !env.iter().any(|(name, _)| name == "METRICS_ON_PUBLIC_PORT"),
        "{env:?}"
    );
    assert!(
        fly.get("services").is_none(),
        "no other service exposes a port"
    );
}

#[test]
fn the_kill_timeout_covers_the_graceful_shutdown() {
    let fly = fly_toml();

    let shutdown: u64 = effective_setting(&fly, "SHUTDOWN_TIMEOUT_SECONDS")
        .parse()
        .expect("seconds");
    let kill_timeout = kill_timeout_seconds(&fly);

    // SIGTERM and SIGINT both start the graceful shutdown (tests in shutdown.rs).
    assert!(["SIGTERM", "SIGINT"].contains(&fly["kill_signal"].as_str().unwrap()));
    // A margin for closing the pool after the drain.
    assert!(
        kill_timeout >= shutdown + 5,
        "kill_timeout {kill_timeout} s vs SHUTDOWN_TIMEOUT_SECONDS {shutdown} s"
    );
}

#[test]
fn a_machine_always_runs_behind_https_and_both_health_paths_are_checked() {
    let fly = fly_toml();
    let service = http_service(&fly);

    assert_eq!(service["force_https"].as_bool(), Some(true));
    assert!(service["min_machines_running"].as_integer().unwrap() >= 1);
    let auto_stop = &service["auto_stop_machines"];
    assert!(
        matches!(auto_stop.as_str(), Some("off" | "suspend")) || auto_stop.as_bool() == Some(false),
        "auto_stop_machines = {auto_stop}: a cold start can eat Supabase's 5 s"
    );
    let mut paths = check_paths(&fly);
    paths.sort();
    assert_eq!(paths, ["/healthz", "/readyz"]);
    let skip = effective_setting(&fly, "SKIP_MIGRATIONS");
    assert_eq!(
        skip, "true",
        "the release command migrates, not each machine"
    );
}

#[test]
fn the_spool_is_on_a_mounted_volume() {
    let fly = fly_toml();
    let mounts = fly["mounts"].as_table().expect("[mounts]");
    let destination = mounts["destination"].as_str().expect("a destination");

    let spool_dir = effective_setting(&fly, "SPOOL_DIR");

    assert!(
        !mounts["source"].as_str().expect("a source").is_empty(),
        "{mounts:?}"
    );
    assert!(
        std::path::Path::new(&spool_dir).starts_with(destination),
        "SPOOL_DIR {spool_dir} is not on the volume mounted at {destination}"
    );
}
