//! The `Dockerfile` against the binary (deploy/image-check.sh builds and runs the image itself,
//! with Docker): what it copies, runs and exposes, and as whom.

use crate::deploy::files::{
    self, dockerfile_stages, effective_setting, fly_toml, last, subcommands,
};

#[test]
fn the_image_runs_the_cargo_binary_as_a_non_root_user_on_flys_port() {
    let stages = dockerfile_stages();
    let runtime = stages.last().expect("a stage");
    let binary = files::binary_name();

    // The builder builds the binary by its cargo name, and the runtime copies exactly it.
    let built = stages
        .iter()
        .flatten()
        .filter(|i| i.keyword == "RUN")
        .any(|i| i.arguments.contains("cargo build --release") && i.words().contains(&binary));
    assert!(built, "no `cargo build --release ... {binary}`");
    let copy = runtime
        .iter()
        .find(|i| i.keyword == "COPY" && i.arguments.starts_with("--from="))
        .expect("the runtime copies from the builder")
        .words();
    let (source, destination) = (&copy[copy.len() - 2], &copy[copy.len() - 1]);
    assert!(
        source.ends_with(&format!("/target/release/{binary}")),
        "{source}"
    );
    // On the default PATH, so that `auth-mirror migrate` (Fly's release command) resolves.
    assert_eq!(destination, &format!("/usr/local/bin/{binary}"));

    // The container starts as root (Fly's volume is root's) only for the entrypoint, which
    // hands SPOOL_DIR to the service user and runs the command as that user (volume.rs runs
    // it). It is the user the image creates, and not root.
    let service_uid = entrypoint_service_uid();
    assert_ne!(service_uid, 0);
    let created = runtime.iter().filter(|i| i.keyword == "RUN").any(|i| {
        i.arguments
            .contains(&format!("useradd --system --uid {service_uid} "))
    });
    assert!(
        created,
        "the runtime creates no user with uid {service_uid}"
    );
    if let Some(user) = last(runtime, "USER") {
        assert!(
            ["root", "0", "0:0", "root:root"].contains(&user.arguments.as_str()),
            "{user:?}: the entrypoint needs root to prepare the volume"
        );
    }
    let entrypoint_copied = runtime
        .iter()
        .any(|i| i.keyword == "COPY" && i.words() == ["deploy/entrypoint.sh", ENTRYPOINT_IN_IMAGE]);
    assert!(
        entrypoint_copied,
        "deploy/entrypoint.sh is not copied to {ENTRYPOINT_IN_IMAGE}"
    );

    let fly = fly_toml();
    let expose = last(runtime, "EXPOSE").expect("EXPOSE").arguments.clone();
    assert_eq!(expose, effective_setting(&fly, "PORT"));
    assert_eq!(
        expose,
        fly["http_service"]["internal_port"]
            .as_integer()
            .unwrap()
            .to_string()
    );

    let entrypoint = last(runtime, "ENTRYPOINT").expect("ENTRYPOINT").words();
    assert_eq!(
        entrypoint,
        [ENTRYPOINT_IN_IMAGE.rsplit('/').next().unwrap()]
    );
    // CMD is a command, like Fly's release command (which replaces it): the binary first.
    let cmd = last(runtime, "CMD").expect("CMD").words();
    assert_eq!(cmd[0], binary, "CMD {cmd:?}");
    assert!(
        subcommands().contains(&cmd[1]),
        "CMD {cmd:?} is not a subcommand of {binary}"
    );
}

/// Where the Dockerfile puts `deploy/entrypoint.sh` (on the default PATH).
const ENTRYPOINT_IN_IMAGE: &str = "/usr/local/bin/auth-mirror-entrypoint";

/// The uid `deploy/entrypoint.sh` runs the command as (`service_user=N`).
pub fn entrypoint_service_uid() -> u32 {
    let script = files::repository_file("deploy/entrypoint.sh");
    script
        .lines()
        .find_map(|line| line.strip_prefix("service_user="))
        .expect("service_user= in deploy/entrypoint.sh")
        .trim()
        .parse()
        .expect("a numeric uid")
}

#[test]
fn the_release_command_is_a_subcommand_of_the_binary() {
    let fly = fly_toml();
    let release = fly["deploy"]["release_command"].as_str().unwrap();
    let words: Vec<&str> = release.split_whitespace().collect();

    assert_eq!(words[0], files::binary_name());
    assert!(
        subcommands().iter().any(|name| name == words[1]),
        "{release}"
    );
}

#[test]
fn the_build_context_leaves_out_build_output_but_keeps_the_migrations() {
    let ignore = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.dockerignore"))
        .expect(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();

    assert!(patterns.iter().any(|p| p.trim_end_matches('/') == "target"));
    // build.rs embeds migrations/ in the binary at build time.
    assert!(!patterns.iter().any(|p| p.starts_with("migrations")));
}
