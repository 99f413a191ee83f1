//! Fly's volume without Docker: a folder that belongs to root stands in for the fresh volume
//! at /var/lib/auth-mirror, and SPOOL_DIR is inside it. The image's entrypoint
//! (deploy/entrypoint.sh) hands SPOOL_DIR to the service user and runs the service as that
//! user; a service that cannot write SPOOL_DIR stops saying so, in the configured log format.
//! (deploy/image-check.sh does the same with the real image and a real Docker volume.)

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use auth_mirror::webhook::WebhookSecrets;

use crate::cli::process::{command_in, run, sandbox, stderr, BINARY};
use crate::cli::service::{free_port, Service};
use crate::deploy::docker::entrypoint_service_uid;
use crate::deploy::running::database_url;
use crate::helpers::{Setup, TestDatabase};

/// `nobody`: who runs the binary when the tests run as root, which may write anywhere.
const NOBODY: u32 = 65534;

fn running_as_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// The binary where any user can run it (the checkout may be in a folder only its owner can
/// enter): a hard link in `dir`, or a copy where the two are on different file systems.
fn reachable_binary(dir: &Path) -> PathBuf {
    let path = dir.join("auth-mirror");
    if !path.exists() && std::fs::hard_link(BINARY, &path).is_err() {
        std::fs::copy(BINARY, &path).expect("copy the binary");
    }
    path
}

/// A folder like Fly's fresh volume: the tests' user's (root's, in CI), mode 0755. When the
/// tests do not run as root, mode 0555 makes it unwritable to their user too.
fn fresh_volume(dir: &Path) -> PathBuf {
    let volume = dir.join("volume");
    std::fs::create_dir(&volume).expect("the volume");
    let mode = if running_as_root() { 0o755 } else { 0o555 };
    std::fs::set_permissions(&volume, std::fs::Permissions::from_mode(mode)).unwrap();
    volume
}

/// `auth-mirror serve` on `spool_dir`, with the database unreachable (start-up stops before).
fn serve_on(dir: &Path, spool_dir: &Path, log_format: &str) -> Command {
    let mut command = command_in(dir, reachable_binary(dir).as_os_str(), &["serve"]);
    command
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/unreachable",
        )
        .env("WEBHOOK_SECRETS", WebhookSecrets::generate())
        .env("PORT", free_port().to_string())
        .env("HOST", "127.0.0.1")
        .env("LOG_FORMAT", log_format)
        .env("SPOOL_DIR", spool_dir);
    if running_as_root() {
        command.uid(NOBODY).gid(NOBODY);
    }
    command
}

#[tokio::test]
async fn serve_on_a_volume_it_cannot_write_names_the_folder_its_owner_mode_and_the_fix() {
    let dir = sandbox();
    let volume = fresh_volume(dir.path());
    let spool_dir = volume.join("spool");
    let (owner, mode) = if running_as_root() {
        ("root (uid 0)".to_owned(), "0755")
    } else {
        (format!("(uid {})", nix::unistd::Uid::effective()), "0555")
    };
    let expected = [
        format!(
            "cannot use the spool folder {} (SPOOL_DIR)",
            spool_dir.display()
        ),
        format!("{} belongs to ", volume.display()),
        owner,
        format!("mode {mode}"),
        "chown -R ".to_owned(),
        "set SPOOL_DIR to a folder it can write".to_owned(),
    ];

    let output = run(serve_on(dir.path(), &spool_dir, "json")).await;

    assert!(!output.status.success());
    let text = stderr(&output);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["level"], "ERROR", "{text}");
    let message = lines[0]["message"].as_str().expect("a message");
    for part in &expected {
        assert!(message.contains(part.as_str()), "{part:?} in {message}");
    }
    assert!(!message.contains("listen"), "{message}");
    assert!(!spool_dir.exists());

    // The same in the human format.
    let output = run(serve_on(dir.path(), &spool_dir, "pretty")).await;
    let text = stderr(&output);
    let line = text
        .lines()
        .find(|line| line.starts_with("auth-mirror: cannot use the spool folder"))
        .unwrap_or_else(|| panic!("no error line:\n{text}"));
    assert!(line.contains(&expected[1]), "{line}");
}

#[tokio::test]
async fn the_entrypoint_hands_the_spool_folder_to_the_service_user_and_runs_it_as_that_user() {
    let database = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;
    let dir = sandbox();
    let volume = fresh_volume(dir.path());
    let spool_dir = volume.join("spool");
    let entrypoint = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/entrypoint.sh");
    let binary = reachable_binary(dir.path());
    let port = free_port();
    let mut command = command_in(dir.path(), "sh".as_ref(), &[]);
    command
        .arg(&entrypoint)
        .args([binary.as_os_str(), "serve".as_ref()])
        .env("DATABASE_URL", database_url(&database))
        .env("WEBHOOK_SECRETS", WebhookSecrets::generate())
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("LOG_FORMAT", "json")
        .env("SPOOL_DIR", &spool_dir);
    if !running_as_root() {
        // Not root: the entrypoint prepares nothing, so the service's own user needs a volume
        // it can write.
        std::fs::set_permissions(&volume, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let mut service = Service::spawn(command, port);
    service.wait_until_ready().await;

    // `exec` all the way: the child is the service itself.
    let status = std::fs::read_to_string(format!("/proc/{}/status", service.pid())).unwrap();
    let field = |name: &str| -> Vec<String> {
        let line = status.lines().find(|line| line.starts_with(name)).unwrap();
        line.split_whitespace().skip(1).map(str::to_owned).collect()
    };
    let spool = std::fs::metadata(&spool_dir).expect("SPOOL_DIR exists");
    if running_as_root() {
        let uid = entrypoint_service_uid().to_string();
        assert_eq!(field("Uid:"), [uid.as_str(); 4], "{status}");
        assert_eq!(field("Gid:"), [uid.as_str(); 4], "{status}");
        assert_eq!(field("Groups:"), Vec::<String>::new(), "{status}");
        assert_eq!(field("NoNewPrivs:"), ["1"], "{status}");
        let environ = std::fs::read(format!("/proc/{}/environ", service.pid())).unwrap();
        let home = environ
            .split(|byte| *byte == 0)
            .find(|v| v.starts_with(b"HOME="));
        assert_eq!(home, Some(&b"HOME=/nonexistent"[..]), "not root's home");
        assert_eq!(spool.uid(), entrypoint_service_uid());
        assert_eq!(spool.mode() & 0o777, 0o700);
        // Only SPOOL_DIR changes hands: the volume stays root's.
        assert_eq!(std::fs::metadata(&volume).unwrap().uid(), 0);
    } else {
        let me = nix::unistd::Uid::effective().to_string();
        assert_eq!(field("Uid:")[0], me, "{status}");
        assert_eq!(spool.uid().to_string(), me);
    }
    service.stop().await;
}
