//! The data directory: where everything Flexboard keeps lives, and the lock that makes one
//! process its only owner.
//!
//! ```text
//! <data-dir>/
//!   flexboard.lock            held (flock) by the running instance
//!   config.redb               tenants, datasets, templates (store/)
//!   tenants/<WK-…>/data.duckdb   each tenant's data (analytics/)
//! ```

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("cannot create the data directory {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("the data directory {path} is not writable: {source}")]
    NotWritable {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "another Flexboard instance is using the data directory {path}; stop it or choose another --data-dir"
    )]
    Locked { path: String },
}

/// An opened, locked data directory. The lock is released when this is dropped.
#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    _lock: File,
}

impl DataDir {
    /// Creates the directory when absent, checks it is writable and takes its lock.
    pub fn open(root: &Path) -> Result<Self, DataDirError> {
        let display = root.display().to_string();
        std::fs::create_dir_all(root).map_err(|source| DataDirError::Create {
            path: display.clone(),
            source,
        })?;
        let lock_path = root.join("flexboard.lock");
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| DataDirError::NotWritable {
                path: display.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(DataDirError::Locked { path: display });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(DataDirError::NotWritable {
                    path: display,
                    source,
                });
            }
        }
        // The pid is for people looking at the directory; the lock itself is what counts.
        lock.set_len(0)
            .and_then(|()| writeln!(lock, "{}", std::process::id()))
            .map_err(|source| DataDirError::NotWritable {
                path: display,
                source,
            })?;
        Ok(Self {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn config_db(&self) -> PathBuf {
        self.root.join("config.redb")
    }

    pub fn tenant_dir(&self, tenant: &str) -> PathBuf {
        self.root.join("tenants").join(tenant)
    }

    pub fn tenant_db(&self, tenant: &str) -> PathBuf {
        self.tenant_dir(tenant).join("data.duckdb")
    }

    pub fn create_tenant_dir(&self, tenant: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(self.tenant_dir(tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDir::open(dir.path()).unwrap();
        let second = DataDir::open(dir.path());
        assert!(
            matches!(second, Err(DataDirError::Locked { .. })),
            "{second:?}"
        );
        drop(first);
        DataDir::open(dir.path()).unwrap();
    }
}
