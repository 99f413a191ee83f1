//! Who may stop a data folder's cluster. Every instance using it holds a shared `flock` on
//! `postgres.users.lock` in the data folder; the one that leaves and finds it can take that
//! lock exclusively is the last one, and stops the cluster. The kernel drops the lock of a
//! process that dies, so a crashed instance is never counted, and a cluster that is running
//! with no holder is a leftover to adopt. Joining and leaving are serialised by an exclusive
//! lock on `postgres.start.lock`, so no instance starts using a cluster that another is
//! stopping.

use std::fs::File;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use super::EmbeddedDbError;

/// Held while deciding to start, adopt, share or stop the cluster.
pub(crate) struct Turn(#[allow(dead_code)] Flock<File>);

/// This instance's share of the cluster, held for as long as it uses it.
#[derive(Debug)]
pub(crate) struct Membership(Flock<File>);

/// Waits for the data folder's turn (another instance may be starting or stopping).
pub(crate) fn take_turn(data_dir: &Path) -> Result<Turn, EmbeddedDbError> {
    let file = open(data_dir, "postgres.start.lock")?;
    Flock::lock(file, FlockArg::LockExclusive)
        .map(Turn)
        .map_err(|(_, errno)| lock_error(data_dir, errno))
}

/// Joins the cluster's users; also says whether other live instances already use it.
pub(crate) fn join(data_dir: &Path, _turn: &Turn) -> Result<(Membership, bool), EmbeddedDbError> {
    let file = open(data_dir, "postgres.users.lock")?;
    let (lock, others) = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => {
            // Alone: downgrade so that later instances can join.
            lock.relock(FlockArg::LockSharedNonblock)
                .map_err(|errno| lock_error(data_dir, errno))?;
            (lock, false)
        }
        Err((file, Errno::EWOULDBLOCK)) => {
            let lock = Flock::lock(file, FlockArg::LockSharedNonblock)
                .map_err(|(_, errno)| lock_error(data_dir, errno))?;
            (lock, true)
        }
        Err((_, errno)) => return Err(lock_error(data_dir, errno)),
    };
    Ok((Membership(lock), others))
}

impl Membership {
    /// Leaves; true when no other instance uses the cluster any more (stop it).
    pub(crate) fn leave(self, _turn: &Turn) -> bool {
        // A failed upgrade releases the shared lock too, which is what leaving means.
        self.0.relock(FlockArg::LockExclusiveNonblock).is_ok()
    }
}

fn open(data_dir: &Path, name: &str) -> Result<File, EmbeddedDbError> {
    let path = data_dir.join(name);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(EmbeddedDbError::io(format!(
            "cannot open {}",
            path.display()
        )))
}

fn lock_error(data_dir: &Path, errno: Errno) -> EmbeddedDbError {
    EmbeddedDbError::Io {
        action: format!("cannot lock {}", data_dir.display()),
        source: errno.into(),
    }
}
