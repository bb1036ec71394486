//! Making what libgit2 wrote survive a crash or a power cut: libgit2 writes loose objects
//! and refs with an atomic rename but never syncs them, so cairn syncs the new objects, the
//! folders that name them, and the ref, before an event counts as recorded.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use git2::Oid;

/// Objects and folders still to sync.
#[derive(Debug, Default)]
pub struct Pending {
    files: BTreeSet<PathBuf>,
    folders: BTreeSet<PathBuf>,
}

impl Pending {
    /// Notes a loose object written to `git_dir`.
    pub fn object(&mut self, git_dir: &Path, oid: Oid) {
        let hex = oid.to_string();
        self.file(git_dir.join("objects").join(&hex[..2]).join(&hex[2..]));
    }

    /// Notes a file written by path, its folder, and the folder above (in case the
    /// folder itself is new). Syncing a folder that did not change costs next to nothing.
    pub fn file(&mut self, path: PathBuf) {
        if let Some(folder) = path.parent() {
            if let Some(above) = folder.parent() {
                self.folders.insert(above.to_path_buf());
            }
            self.folders.insert(folder.to_path_buf());
        }
        self.files.insert(path);
    }

    /// Syncs files first, then the folders that hold their names. An object that is not a
    /// loose file (it was already packed) has nothing to sync.
    pub fn sync(&mut self) -> std::io::Result<()> {
        let context = |path: &Path, error: std::io::Error| {
            std::io::Error::new(error.kind(), format!("syncing {}: {error}", path.display()))
        };
        // A new file's data and size (fdatasync), then the folders that hold the names.
        for path in std::mem::take(&mut self.files) {
            match File::open(&path) {
                Ok(file) => file.sync_data().map_err(|error| context(&path, error))?,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(context(&path, error)),
            }
        }
        for folder in std::mem::take(&mut self.folders) {
            File::open(&folder)
                .and_then(|folder| folder.sync_all())
                .map_err(|error| context(&folder, error))?;
        }
        Ok(())
    }
}
