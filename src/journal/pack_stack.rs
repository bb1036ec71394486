//! A session's packs, kept few: every event writes one small pack, and every `MERGE` packs
//! of one size are rewritten as one pack of the next size (the small ones removed once the
//! merged one is durable). Sizes go 1, 16 and 256 events; a pack of 256 events stays as it
//! is until `git gc` folds everything together after the session.
//!
//! So a session of 10,000 events leaves at most 39 + 15 + 15 packs, a reader never searches
//! thousands of them, and no event pays more than one merge of 256 events' small objects.
//! The objects of packs that may still be merged stay in memory (a few hundred KB), so a
//! merge never reads the disk.

use std::io;
use std::path::{Path, PathBuf};

use super::pack::{self, PackFiles, PackedObject};

/// How many packs of one size make one of the next.
const MERGE: usize = 16;
/// Packs at this level (256 events) are never merged again by the session.
const TOP: usize = 2;

#[derive(Debug)]
struct Written {
    files: PackFiles,
    objects: Vec<PackedObject>,
}

#[derive(Debug)]
pub struct PackStack {
    dir: PathBuf,
    /// `levels[n]` holds the packs of MERGE^n events not yet merged into a bigger one.
    levels: Vec<Vec<Written>>,
}

impl PackStack {
    /// Packs written into `git_dir`'s `objects/pack`.
    pub fn new(git_dir: &Path) -> PackStack {
        PackStack {
            dir: git_dir.join("objects").join("pack"),
            levels: Vec::new(),
        }
    }

    /// Writes one event's `objects` as a durable pack.
    pub fn push(&mut self, objects: Vec<PackedObject>) -> io::Result<()> {
        let files = pack::write(&self.dir, &objects.iter().collect::<Vec<_>>())?;
        self.place(0, Written { files, objects });
        Ok(())
    }

    /// Merges the level-`level` packs once there are `MERGE` of them, and so on up. A merge
    /// that fails leaves the small packs as they are (they hold the same objects) and is
    /// tried again with the next event: what was recorded is never at stake here.
    pub fn merge(&mut self) {
        for level in 0..TOP {
            if self
                .levels
                .get(level)
                .is_none_or(|packs| packs.len() < MERGE)
            {
                continue;
            }
            let packs = std::mem::take(&mut self.levels[level]);
            let objects: Vec<&PackedObject> =
                packs.iter().flat_map(|pack| pack.objects.iter()).collect();
            match pack::write(&self.dir, &objects) {
                Ok(files) => {
                    let mut objects = Vec::new();
                    for pack in packs {
                        // A pack left behind only costs space; `git gc` removes it later.
                        let _ = pack.files.remove();
                        objects.extend(pack.objects);
                    }
                    self.place(level + 1, Written { files, objects });
                }
                Err(_) => {
                    self.levels[level] = packs;
                    return;
                }
            }
        }
    }

    fn place(&mut self, level: usize, mut pack: Written) {
        if level >= TOP {
            // Final: its objects are no longer needed in memory.
            pack.objects = Vec::new();
        }
        while self.levels.len() <= level {
            self.levels.push(Vec::new());
        }
        self.levels[level].push(pack);
    }

    /// How many packs the session has on disk.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::git_object::GitObject;

    #[test]
    fn packs_merge_by_sixteens_and_every_object_stays_readable() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let mut stack = PackStack::new(dir.path());
        let mut ids = Vec::new();
        for event in 0..300 {
            let object = GitObject::blob(format!("event {event}\n").as_bytes());
            ids.push(object.id());
            stack.push(vec![PackedObject::new(&object)]).unwrap();
            stack.merge();
        }
        // 300 = 256 + 2 * 16 + 12.
        assert_eq!(stack.count(), 1 + 2 + 12);
        let on_disk = std::fs::read_dir(dir.path().join("objects/pack"))
            .unwrap()
            .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("idx".as_ref()))
            .count();
        assert_eq!(on_disk, 15);
        for id in ids {
            assert!(repo.find_blob(id).is_ok(), "{id} is lost");
        }
    }
}
