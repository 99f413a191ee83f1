//! Where a data folder's cluster lives: `<data folder>/postgres`, or, when the `postgres` OS
//! user cannot reach the data folder (a clone under `/root` run as root), a folder of that
//! user's own, named after a digest of the data folder's absolute path so that two checkouts
//! never share a cluster.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use nix::unistd::Uid;
use sha2::{Digest, Sha256};

use super::os_user::RunAs;
use super::EmbeddedDbError;

/// Where relocated clusters go when the `postgres` user has no usable home folder. `/var/tmp`
/// survives reboots (unlike `/tmp` and `$XDG_RUNTIME_DIR`) and anyone may traverse it.
const SHARED_FALLBACK: &str = "/var/tmp/auth-mirror-clusters";

/// The cluster folder of one data folder.
#[derive(Debug, Clone)]
pub struct ClusterLocation {
    /// The cluster's own folder (`PGDATA`).
    pub pgdata: PathBuf,
    /// True when the cluster is kept outside the data folder.
    pub relocated: bool,
}

/// Decides where the cluster of `data_dir` (absolute, existing) lives, creating the parent
/// folder of a relocated cluster when needed.
pub(crate) fn locate(data_dir: &Path, run_as: &RunAs) -> Result<ClusterLocation, EmbeddedDbError> {
    if run_as.can_traverse(data_dir) {
        return Ok(ClusterLocation {
            pgdata: data_dir.join("postgres"),
            relocated: false,
        });
    }
    let name = digest(data_dir);
    let candidates = run_as
        .postgres_home()
        .map(|home| home.join("auth-mirror-clusters"))
        .into_iter()
        .chain([PathBuf::from(SHARED_FALLBACK)]);
    for parent in candidates {
        if prepare_parent(&parent, run_as).is_ok() && run_as.can_traverse(&parent) {
            return Ok(ClusterLocation {
                pgdata: parent.join(name),
                relocated: true,
            });
        }
    }
    Err(EmbeddedDbError::FolderNotReachable(data_dir.to_path_buf()))
}

/// A short, stable name for a data folder: 16 hex digits of the SHA-256 of its path.
fn digest(data_dir: &Path) -> String {
    let hash = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    hex::encode(&hash[..8])
}

/// Creates `parent` for the `postgres` user, refusing a folder someone else planted (the
/// fallback is under a world-writable folder).
fn prepare_parent(parent: &Path, run_as: &RunAs) -> Result<(), EmbeddedDbError> {
    if !parent.exists() {
        run_as.prepare_private_dir(parent)?;
    }
    let owner = std::fs::metadata(parent)
        .map_err(EmbeddedDbError::io(format!(
            "cannot inspect {}",
            parent.display()
        )))?
        .uid();
    if owner == run_as.uid().as_raw() || Uid::from_raw(owner).is_root() {
        Ok(())
    } else {
        Err(EmbeddedDbError::FolderNotReachable(parent.to_path_buf()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_stable_and_differs_between_folders() {
        let first = digest(Path::new("/root/project-a/.auth-mirror"));
        assert_eq!(first, digest(Path::new("/root/project-a/.auth-mirror")));
        assert_ne!(first, digest(Path::new("/root/project-b/.auth-mirror")));
        assert_eq!(first.len(), 16);
    }
}
