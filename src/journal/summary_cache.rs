//! What `cairn log` and `cairn stats` show of each session, kept beside the journal so a
//! journal of years of sessions lists in milliseconds: by branch, with the tip it was read
//! from. An entry whose branch has moved on (or is gone) is read again; a cache that is
//! missing, unreadable or from another version is rebuilt. It is derived data, never the
//! record: deleting it costs one slow listing, nothing else.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::Oid;
use serde::{Deserialize, Serialize};

use super::reader::Summary;

const FILE_NAME: &str = "cairn-summaries.json";
/// Bumped when `Summary` changes meaning: an older cache is then ignored.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize, Default)]
struct Stored {
    version: u32,
    /// Branch → (tip, summary).
    entries: HashMap<String, (String, Summary)>,
}

pub struct SummaryCache {
    path: PathBuf,
    stored: Stored,
    changed: bool,
}

impl SummaryCache {
    /// The cache of the journal at `dir` (empty when there is none worth reading).
    pub fn load(dir: &Path) -> SummaryCache {
        let path = dir.join(FILE_NAME);
        let stored = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Stored>(&bytes).ok())
            .filter(|stored| stored.version == VERSION)
            .unwrap_or_default();
        SummaryCache {
            path,
            stored,
            changed: false,
        }
    }

    /// The summary of `branch` as read at `tip`, if the cache has it.
    pub fn get(&self, branch: &str, tip: Oid) -> Option<Summary> {
        let (cached_tip, summary) = self.stored.entries.get(branch)?;
        (*cached_tip == tip.to_string()).then(|| Summary {
            tip: Some(tip),
            ..summary.clone()
        })
    }

    pub fn put(&mut self, branch: &str, tip: Oid, summary: &Summary) {
        self.stored
            .entries
            .insert(branch.to_string(), (tip.to_string(), summary.clone()));
        self.changed = true;
    }

    /// Forgets branches that are gone.
    pub fn keep_only(&mut self, branches: &std::collections::HashSet<&str>) {
        let before = self.stored.entries.len();
        self.stored
            .entries
            .retain(|branch, _| branches.contains(branch.as_str()));
        self.changed |= self.stored.entries.len() != before;
    }

    /// Writes the cache back if it changed: whole or not at all (a temporary file renamed
    /// over it), so a reader never sees half of it. Failing to write only costs speed.
    pub fn save(self) {
        if !self.changed {
            return;
        }
        let stored = Stored {
            version: VERSION,
            entries: self.stored.entries,
        };
        let Some(dir) = self.path.parent() else {
            return;
        };
        let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        if serde_json::to_writer(&mut file, &stored).is_ok() && file.flush().is_ok() {
            let _ = file.persist(&self.path);
        }
    }
}
