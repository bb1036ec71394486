//! Moving a session's branch by compare-and-swap, durably, with git's own locking: the new
//! value is written to `<ref>.lock` (created exclusively, so git, libgit2 and other cairns
//! wait their turn), checked against the value expected, synced, and renamed over the ref;
//! then the folder holding the name is synced.
//!
//! Done by hand rather than through libgit2, which first looks the new commit up, and would
//! rescan every pack to find a commit that is in a pack it has not seen yet.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::Path;

use git2::Oid;

use super::JournalError;

/// Points `refname` (`refs/heads/...`) in `git_dir` at `new`, if it now points at
/// `expected` (`None`: if it does not exist yet). Otherwise nothing changes and the answer
/// is a `Conflict`.
pub fn compare_and_swap(
    git_dir: &Path,
    refname: &str,
    expected: Option<Oid>,
    new: Oid,
) -> Result<(), JournalError> {
    let path = git_dir.join(refname);
    let lock_path = git_dir.join(format!("{refname}.lock"));
    let io = |error: std::io::Error| JournalError::Io(format!("{}: {error}", path.display()));
    let open_lock = || {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
    };
    let opened = match open_lock() {
        // The ref's folder does not exist yet.
        Err(error) if error.kind() == ErrorKind::NotFound => {
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder).map_err(io)?;
            }
            open_lock()
        }
        opened => opened,
    };
    let mut lock = match opened {
        Ok(lock) => lock,
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            return Err(JournalError::Conflict(format!(
                "{} is locked by another process",
                refname
            )))
        }
        Err(error) => return Err(io(error)),
    };
    let result = (|| {
        let current = current(git_dir, refname).map_err(io)?;
        if current != expected {
            let said = |id: Option<Oid>| id.map_or("nothing".to_string(), |id| id.to_string());
            return Err(JournalError::Conflict(format!(
                "{refname} is at {}, not {}",
                said(current),
                said(expected)
            )));
        }
        lock.write_all(format!("{new}\n").as_bytes()).map_err(io)?;
        lock.sync_data().map_err(io)?;
        std::fs::rename(&lock_path, &path).map_err(io)?;
        if let Some(folder) = path.parent() {
            File::open(folder)
                .and_then(|folder| folder.sync_all())
                .map_err(io)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&lock_path);
    }
    result
}

/// Where `refname` points now: its own file, else its line in `packed-refs`.
fn current(git_dir: &Path, refname: &str) -> std::io::Result<Option<Oid>> {
    match std::fs::read_to_string(git_dir.join(refname)) {
        Ok(text) => return Ok(Oid::from_str(text.trim()).ok()),
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let packed = match std::fs::read_to_string(git_dir.join("packed-refs")) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(packed
        .lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(_, name)| *name == refname)
        .and_then(|(id, _)| Oid::from_str(id).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_only_from_the_value_expected() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let signature = git2::Signature::now("a", "a@b").unwrap();
        let first = repo
            .commit(None, &signature, &signature, "1", &tree, &[])
            .unwrap();
        let second = repo
            .commit(None, &signature, &signature, "2", &tree, &[])
            .unwrap();
        let name = "refs/heads/sessions/s1";

        compare_and_swap(dir.path(), name, None, first).unwrap();
        assert!(matches!(
            compare_and_swap(dir.path(), name, None, second),
            Err(JournalError::Conflict(_))
        ));
        assert!(matches!(
            compare_and_swap(dir.path(), name, Some(second), second),
            Err(JournalError::Conflict(_))
        ));
        compare_and_swap(dir.path(), name, Some(first), second).unwrap();
        assert_eq!(repo.refname_to_id(name).unwrap(), second);
        assert!(!dir.path().join(format!("{name}.lock")).exists());

        // A packed ref (after `git gc`) is read from packed-refs.
        std::fs::remove_file(dir.path().join(name)).unwrap();
        std::fs::write(
            dir.path().join("packed-refs"),
            format!("# pack-refs with: peeled fully-peeled sorted\n{second} {name}\n"),
        )
        .unwrap();
        compare_and_swap(dir.path(), name, Some(second), first).unwrap();
        assert_eq!(repo.refname_to_id(name).unwrap(), first);
    }
}
