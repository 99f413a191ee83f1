//! The README's five-minute tour, run as written: its two `sh` blocks are read from the README
//! and every command in them is run, in order, against the service the first block starts;
//! then the README's walk-through of the `auth.users` trigger on the same service.
//! `cargo run [-q] --` stands for the binary these tests built (a `cargo` on `PATH` that runs
//! it: cargo itself holds the build folder's lock while the tests run).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Output;

use reqwest::header::{COOKIE, SET_COOKIE};

use super::process::{command_in, BINARY};
use super::service::{free_port, Service};
use super::{run, sandbox};

/// The `sh` blocks of the README section `heading`, up to the next section.
fn readme_blocks(heading: &str) -> Vec<String> {
    let readme = include_str!("../../README.md");
    let start = readme.find(heading).expect("README section") + heading.len();
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block[..block.find("```").expect("end of the block")].to_owned())
        .collect()
}

/// The commands of a block: its lines but blank ones and comments.
fn commands(block: &str) -> Vec<&str> {
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// A folder holding a `cargo` whose `run [-q] [--] ARGS` runs the tests' binary with ARGS.
fn cargo_standing_in(dir: &Path) {
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = run ] || exit 64\nshift\n[ \"$1\" = -q ] && shift\n\
         [ \"$1\" = -- ] && shift\nexec {BINARY} \"$@\"\n"
    );
    let cargo = dir.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `bash -c line` in `dir`, with the stand-in `cargo` first on `PATH`, the data folder left
/// at its default (`.auth-mirror` in `dir`) as on a fresh clone.
fn shell(dir: &Path, bin: &Path, line: &str) -> std::process::Command {
    let mut command = command_in(dir, "bash".as_ref(), &["-c", line]);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    command.env("PATH", path).env_remove("AUTH_MIRROR_DATA_DIR");
    command
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Each command of the second block, in order: what it contains, whether it succeeds, and
/// something it prints.
const EXPECTED: [(&str, bool, &str); 7] = [
    ("send", true, "applied: public.users has the event's state"),
    ("select", true, "auth-mirror-send+"),
    ("add constraint", true, "ALTER TABLE"),
    (
        "send",
        false,
        "failed: stored, but applying it failed (database error 23514 (constraint no_example_emails))",
    ),
    (
        "events list --status failed",
        true,
        "database error 23514 (constraint no_example_emails)",
    ),
    ("drop constraint", true, "ALTER TABLE"),
    ("events replay --status failed", true, "1 applied, 0 still failing"),
];

#[tokio::test]
async fn the_readme_tour_runs_as_written() {
    let dir = sandbox();
    let bin = tempfile::tempdir().unwrap();
    cargo_standing_in(bin.path());
    let blocks = readme_blocks("## A five-minute tour");
    assert_eq!(blocks.len(), 2, "{blocks:#?}");
    let first = commands(&blocks[0]);
    assert_eq!(first.len(), 2, "{first:?}");
    let (port, metrics_port) = (free_port(), free_port());

    let prepared = run(shell(dir.path(), bin.path(), first[0])).await;
    assert!(prepared.status.success(), "{}", printed(&prepared));
    // bash runs a lone command in place of itself: SIGTERM reaches the service.
    let mut serve = shell(dir.path(), bin.path(), first[1]);
    serve
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("METRICS_PORT", metrics_port.to_string())
        // No automatic retry between the fix and the replay: the replay applies it.
        .env("RETRY_SCHEDULE", "1h");
    let mut service = Service::spawn(serve, port);
    service.log_event("admin API and console at").await;
    service.wait_until_ready().await;
    let exe = std::fs::read_link(format!("/proc/{}/exe", service.pid())).unwrap();
    assert_eq!(exe, Path::new(BINARY), "the service is the shell's process");

    let (exports, steps): (Vec<&str>, Vec<&str>) = commands(&blocks[1])
        .into_iter()
        .partition(|line| line.starts_with("export "));
    assert_eq!(steps.len(), EXPECTED.len(), "{steps:#?}");
    for (step, (contains, succeeds, prints)) in steps.iter().zip(EXPECTED) {
        assert!(step.contains(contains), "{contains:?} expected in {step}");
        let script = format!("{}\n{step}", exports.join("\n"));
        let mut command = shell(dir.path(), bin.path(), &script);
        command.env("AUTH_MIRROR_URL", service.url());
        let output = run(command).await;
        let text = printed(&output);
        assert_eq!(output.status.success(), succeeds, "{step}: {text}");
        assert!(text.contains(prints), "{prints:?} from {step}: {text}");
        if contains == "events list --status failed" {
            let page = console_events(&service, dir.path()).await;
            assert!(page.contains("no_example_emails"), "{page}");
        }
    }
    let trigger = readme_blocks("## Running it locally");
    let signup = run(shell(dir.path(), bin.path(), &trigger[0])).await;
    assert!(signup.status.success(), "{}", printed(&signup));
    assert!(
        String::from_utf8_lossy(&signup.stdout).contains("ada@example.com"),
        "{}",
        printed(&signup)
    );
    service.stop().await;
}

/// The console's list of failed events, signed in with the tour's token.
async fn console_events(service: &Service, dir: &Path) -> String {
    let token = std::fs::read_to_string(dir.join(".auth-mirror/admin-token")).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{}/admin/console/sign-in", service.url()))
        .form(&[("token", token.trim())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap();
    let session = cookie.split(';').next().unwrap().to_owned();
    let page = client
        .get(format!(
            "{}/admin/console/events?status=failed",
            service.url()
        ))
        .header(COOKIE, session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}
