//! `serve`'s check that it can use `SPOOL_DIR`, before it connects to anything: a folder it
//! cannot create or write stops start-up with a message that names the folder in the way, its
//! owner and mode, who the service runs as, and the fix. (On Fly, `SPOOL_DIR` is on a volume
//! that is mounted owned by root.)

use std::fs::Metadata;
use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use nix::unistd::{Gid, Group, Uid, User};

/// Creates `dir` if needed and checks that this process can create files in it.
pub fn check(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|()| can_create_files_in(dir))
        .map_err(|error| anyhow::anyhow!(unusable(dir, &error)))
}

/// Creates and removes a file in `dir`, as the spool will (its instance folders and segments).
/// Named after this process, so that instances sharing `SPOOL_DIR` do not collide.
fn can_create_files_in(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".write-check-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// What is wrong with `dir`, and how to fix it.
fn unusable(dir: &Path, error: &io::Error) -> String {
    let shown = dir.display();
    let prefix = format!("cannot use the spool folder {shown} (SPOOL_DIR)");
    // The folder itself, or its nearest existing parent when it could not be created.
    let blocking = dir
        .ancestors()
        .find_map(|folder| Some((folder, std::fs::metadata(folder).ok()?)));
    let Some((folder, metadata)) = blocking else {
        return format!("{prefix}: {error}");
    };
    let described = describe(folder, &metadata);
    let me = user_name(Uid::effective());
    match error.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "{prefix}: {described}, and this service runs as {me}, which may not create files \
             there. Fix: make the folder writable by uid {uid} (as root: `mkdir -p {shown} && chown -R \
             {uid}:{gid} {shown}`; the image's entrypoint does this when the container starts as \
             root), or set SPOOL_DIR to a folder it can write",
            uid = Uid::effective(),
            gid = Gid::effective(),
        ),
        io::ErrorKind::ReadOnlyFilesystem => format!(
            "{prefix}: {described}, is on a read-only file system. Fix: mount a writable volume \
             there (on Fly: [mounts] in fly.toml), or set SPOOL_DIR to a writable folder"
        ),
        _ => format!("{prefix}: {error} ({described})"),
    }
}

/// `/var/lib/auth-mirror belongs to root (uid 0), group root (gid 0), mode 0755`.
fn describe(folder: &Path, metadata: &Metadata) -> String {
    let owner = user_name(Uid::from_raw(metadata.uid()));
    let group = Gid::from_raw(metadata.gid());
    let group = match Group::from_gid(group) {
        Ok(Some(found)) => format!("{} (gid {group})", found.name),
        _ => format!("gid {group}"),
    };
    let mode = metadata.mode() & 0o7777;
    format!(
        "{} belongs to {owner}, group {group}, mode {mode:04o}",
        folder.display()
    )
}

fn user_name(uid: Uid) -> String {
    match User::from_uid(uid) {
        Ok(Some(user)) => format!("{} (uid {uid})", user.name),
        _ => format!("uid {uid}"),
    }
}
