//! The journal: every session recorded in a git repository, one branch per session and one
//! commit per event, readable with plain `git log`. This module writes sessions
//! (`SessionWriter`), lists and reads them back (`reader`), and checks them (`verify`).
//!
//! The repository is bare (nothing is checked out): `git -C <journal> log --all` reads it.

pub mod clock;
mod durable;
pub mod follow;
mod git_object;
pub mod layout;
pub mod message;
mod pack;
mod pack_stack;
pub mod push;
pub mod reader;
mod ref_update;
mod session_tree;
pub mod stats;
mod summary_cache;
pub mod verify;
mod writer;

use std::path::{Path, PathBuf};

use git2::{Repository, RepositoryInitOptions};
use nix::fcntl::{Flock, FlockArg};

pub use reader::{SessionRecord, Summary};
pub use writer::{SessionFile, SessionWriter};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalError {
    /// The repository could not be opened or created.
    Open {
        dir: PathBuf,
        message: String,
    },
    Git(String),
    /// Someone else moved the session's branch: compare-and-swap refused.
    Conflict(String),
    Io(String),
    Json(String),
    /// Events out of order (a bug in the caller).
    Order(String),
    /// No session, or more than one, matches what was asked for.
    NoSuchSession(String),
}

impl JournalError {
    fn io(error: std::io::Error) -> JournalError {
        JournalError::Io(error.to_string())
    }

    fn json(error: serde_json::Error) -> JournalError {
        JournalError::Json(error.to_string())
    }
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalError::Open { dir, message } => write!(
                f,
                "the journal at {} cannot be opened: {message}; choose another with --journal DIR or CAIRN_JOURNAL",
                dir.display()
            ),
            JournalError::Git(message) => write!(f, "the journal's git repository: {message}"),
            JournalError::Conflict(message) => write!(
                f,
                "another process changed this session's branch ({message}); nothing was overwritten"
            ),
            JournalError::Io(message) => write!(f, "writing the journal: {message}"),
            JournalError::Json(message) => write!(f, "the journal holds bad JSON: {message}"),
            JournalError::Order(message) => f.write_str(message),
            JournalError::NoSuchSession(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for JournalError {}

/// A ref that moved under us is a conflict; anything else, a git error.
impl From<git2::Error> for JournalError {
    fn from(error: git2::Error) -> JournalError {
        if error.code() == git2::ErrorCode::Modified || error.code() == git2::ErrorCode::Exists {
            JournalError::Conflict(error.message().to_string())
        } else {
            JournalError::Git(error.message().to_string())
        }
    }
}

/// A journal repository on disk.
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// Opens the journal at `dir`, creating a bare repository there on first use.
    pub fn open(dir: &Path) -> Result<Journal, JournalError> {
        let journal = Journal {
            dir: dir.to_path_buf(),
        };
        if Repository::open_bare(dir).is_err() {
            journal.create()?;
        }
        journal.repository()?;
        Ok(journal)
    }

    /// Opens the journal at `dir` only if there is one (reading never creates a journal).
    pub fn existing(dir: &Path) -> Result<Journal, JournalError> {
        let journal = Journal {
            dir: dir.to_path_buf(),
        };
        if !dir.exists() {
            return Err(JournalError::NoSuchSession(format!(
                "there is no journal at {}; `cairn run` makes one, or pass --journal DIR",
                dir.display()
            )));
        }
        journal.repository()?;
        Ok(journal)
    }

    fn open_error(&self, message: String) -> JournalError {
        JournalError::Open {
            dir: self.dir.clone(),
            message,
        }
    }

    /// Makes the journal in a folder beside `dir` and renames it into place, so that a
    /// cairn killed while making it leaves no half-made journal that nothing can open. Of
    /// two cairns making it at once, one rename wins and the other uses what it made.
    fn create(&self) -> Result<(), JournalError> {
        let error = |message: String| self.open_error(message);
        let parent = match self.dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent).map_err(|e| error(e.to_string()))?;
        let staging = tempfile::Builder::new()
            .prefix(".cairn-journal-")
            .tempdir_in(parent)
            .map_err(|e| error(e.to_string()))?;
        let mut options = RepositoryInitOptions::new();
        options
            .bare(true)
            .initial_head("main")
            .description("cairn journal: one branch per session, one commit per event");
        Repository::init_opts(staging.path(), &options)
            .map_err(|e| error(e.message().to_string()))?;
        make_folders(staging.path()).map_err(|e| error(e.to_string()))?;
        // Renaming onto `dir` works when it does not exist or is an empty folder.
        match std::fs::rename(staging.path(), &self.dir) {
            Ok(()) => {
                // Moved: nothing is left at the staging path to remove.
                let _ = staging.keep();
                std::fs::File::open(parent)
                    .and_then(|folder| folder.sync_all())
                    .map_err(|e| error(e.to_string()))
            }
            Err(_) if Repository::open_bare(&self.dir).is_ok() => Ok(()),
            Err(_) => Err(error(
                "the folder is there but holds no journal (it is not empty and not a git repository)"
                    .to_string(),
            )),
        }
    }

    /// A fresh handle on the repository (handles are cheap, and not shared across threads).
    pub fn repository(&self) -> Result<Repository, JournalError> {
        Repository::open_bare(&self.dir)
            .map_err(|error| self.open_error(error.message().to_string()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Holds the journal's write lock until dropped. libgit2 names its temporary object
    /// files from a random sequence that two processes started together can share, so two
    /// writers at once could write into each other's files; writers take turns instead
    /// (a commit holds the lock for a few milliseconds).
    pub fn lock(&self) -> Result<WriteLock, JournalError> {
        let path = self.dir.join("cairn.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(JournalError::io)?;
        Flock::lock(file, FlockArg::LockExclusive)
            .map(WriteLock)
            .map_err(|(_, errno)| JournalError::Io(format!("locking {}: {errno}", path.display())))
    }
}

/// Creates every folder commits will write into, once: a new folder costs a slow metadata
/// write and its own sync at the moment an event is being recorded.
fn make_folders(git_dir: &Path) -> std::io::Result<()> {
    let objects = git_dir.join("objects");
    for byte in 0..=255u8 {
        std::fs::create_dir_all(objects.join(format!("{byte:02x}")))?;
    }
    let pack = objects.join("pack");
    std::fs::create_dir_all(&pack)?;
    let refs = git_dir.join("refs");
    let heads = refs.join("heads");
    let sessions = heads.join("sessions");
    std::fs::create_dir_all(&sessions)?;
    for folder in [&pack, &objects, &sessions, &heads, &refs, git_dir] {
        std::fs::File::open(folder)?.sync_all()?;
    }
    Ok(())
}

/// The journal's write lock, released when dropped.
pub struct WriteLock(#[allow(dead_code)] Flock<std::fs::File>);

/// Where the journal is: `--journal DIR`, else `CAIRN_JOURNAL`, else the settings file's
/// `journal.dir`, else `$XDG_DATA_HOME/cairn/journal`, else `~/.local/share/cairn/journal`.
pub fn default_dir(flag: Option<&Path>, config: &crate::config::Config) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("CAIRN_JOURNAL").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = &config.journal_dir {
        return dir.clone();
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("cairn").join("journal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_is_made_whole_or_not_at_all() {
        let parent = tempfile::tempdir().unwrap();
        // Many cairns making one new journal at once: all of them get it.
        let dir = parent.path().join("journal");
        let makers: Vec<_> = (0..4)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || Journal::open(&dir).map(|_| ()))
            })
            .collect();
        for maker in makers {
            maker.join().unwrap().unwrap();
        }
        assert!(Repository::open_bare(&dir).unwrap().is_bare());
        assert!(dir.join("objects/pack").is_dir() && dir.join("refs/heads/sessions").is_dir());
        // Nothing is left beside it.
        let beside: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
        assert_eq!(beside.len(), 1, "{beside:?}");

        // An empty folder becomes a journal; a folder holding something else is left alone.
        let empty = parent.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        Journal::open(&empty).unwrap();
        let other = parent.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "mine").unwrap();
        let error = Journal::open(&other).unwrap_err().to_string();
        assert!(error.contains("holds no journal"), "{error}");
        assert_eq!(
            std::fs::read_to_string(other.join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
