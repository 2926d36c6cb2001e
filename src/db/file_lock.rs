//! Who uses an SQLite database file: every running app (and every administrative command that
//! writes) holds a shared lock on `<database>.lock`, and `monoweb restore`, which replaces the
//! file, takes it exclusively. So a restore refuses while an app runs on the database, and an app
//! or a command does not start in the middle of a restore.
//! (The lock is the operating system's advisory `flock`; it goes away with the process.)

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file of the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    name.into()
}

fn open(db: &Path) -> std::io::Result<File> {
    let path = lock_path(db);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::crypto::create_private_dir(parent)?;
    }
    crate::crypto::create_private_file(&path)?;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

/// Why the database's lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone holds it in a way that excludes us.
    #[error("{0} is in use")]
    Busy(PathBuf),
    #[error("cannot open {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

fn take(db: &Path, exclusive: bool) -> Result<File, LockError> {
    let file = open(db).map_err(|e| LockError::Io(lock_path(db), e))?;
    let taken = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match taken {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(LockError::Busy(lock_path(db))),
        Err(TryLockError::Error(e)) => Err(LockError::Io(lock_path(db), e)),
    }
}

/// The lock of a running app (held until the file is dropped); fails during a restore.
pub fn share(db: &Path) -> Result<File, LockError> {
    take(db, false)
}

/// The lock of a restore (held until the file is dropped); fails while an app runs.
pub fn exclude(db: &Path) -> Result<File, LockError> {
    take(db, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn apps_share_the_lock_and_a_restore_waits_for_all_of_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("monoweb.db");
        let first = share(&db).unwrap();
        let second = share(&db).unwrap();
        assert!(matches!(exclude(&db), Err(LockError::Busy(_))));
        drop(first);
        assert!(matches!(exclude(&db), Err(LockError::Busy(_))));
        drop(second);
        let restore = exclude(&db).unwrap();
        assert!(matches!(share(&db), Err(LockError::Busy(_))));
        drop(restore);
        assert!(share(&db).is_ok());
    }
}
