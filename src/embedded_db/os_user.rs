//! Running PostgreSQL's binaries as a user they accept: themselves refuse to run as root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::unistd::{Gid, Uid, User};

use super::EmbeddedDbError;

/// Who runs the server binaries.
#[derive(Debug, Clone)]
pub(crate) enum RunAs {
    /// The current user (not root).
    CurrentUser,
    /// Root switches to the `postgres` OS user with `setpriv` (always present with util-linux;
    /// `sudo` often is not).
    PostgresUser { uid: Uid, gid: Gid, home: PathBuf },
}

impl RunAs {
    pub(crate) fn detect() -> Result<Self, EmbeddedDbError> {
        if !Uid::effective().is_root() {
            return Ok(Self::CurrentUser);
        }
        match User::from_name("postgres") {
            Ok(Some(user)) => Ok(Self::PostgresUser {
                uid: user.uid,
                gid: user.gid,
                home: user.dir,
            }),
            _ => Err(EmbeddedDbError::NoPostgresUser),
        }
    }

    /// A command that runs `program` as this user.
    pub(crate) fn command(&self, program: &Path) -> Command {
        match self {
            Self::CurrentUser => Command::new(program),
            Self::PostgresUser { uid, gid, .. } => {
                let mut command = Command::new("setpriv");
                command
                    .arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--init-groups")
                    .arg(program);
                command
            }
        }
    }

    /// Creates `dir` (and its parents) owned by this user with mode 0700, as initdb wants,
    /// and checks that this user can actually reach it.
    pub(crate) fn prepare_private_dir(&self, dir: &Path) -> Result<(), EmbeddedDbError> {
        std::fs::create_dir_all(dir).map_err(EmbeddedDbError::io(format!(
            "cannot create {}",
            dir.display()
        )))?;
        if let Self::PostgresUser { uid, gid, .. } = self {
            nix::unistd::chown(dir, Some(*uid), Some(*gid)).map_err(|errno| {
                EmbeddedDbError::Io {
                    action: format!("cannot hand {} to the postgres user", dir.display()),
                    source: errno.into(),
                }
            })?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(
            EmbeddedDbError::io(format!("cannot set permissions of {}", dir.display())),
        )?;
        if self.passes_test("-w", dir) {
            Ok(())
        } else {
            Err(EmbeddedDbError::FolderNotReachable(dir.to_path_buf()))
        }
    }

    /// Whether this user can traverse `dir` (search permission on it and on every folder
    /// above it), checked by the kernel as that user rather than guessed from mode bits.
    pub(crate) fn can_traverse(&self, dir: &Path) -> bool {
        self.passes_test("-x", dir)
    }

    /// The home folder of the `postgres` OS user, when the binaries run as it.
    pub(crate) fn postgres_home(&self) -> Option<&Path> {
        match self {
            Self::CurrentUser => None,
            Self::PostgresUser { home, .. } => Some(home),
        }
    }

    /// The owner that folders made for the cluster must have.
    pub(crate) fn uid(&self) -> Uid {
        match self {
            Self::CurrentUser => Uid::effective(),
            Self::PostgresUser { uid, .. } => *uid,
        }
    }

    fn passes_test(&self, flag: &str, path: &Path) -> bool {
        self.command(Path::new("test"))
            .arg(flag)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .status()
            .map(|status| status.success())
            .unwrap_or(false)
    }
}
