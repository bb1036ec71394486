//! The session's tree, held in memory by its writer: adding a file rewrites only the
//! folders on its path, and nothing needs reading back from the repository to do it (a
//! resumed session reads the folders it touches once, the first time).

use std::collections::BTreeMap;

use git2::{ObjectType, Oid, Repository};

use super::git_object::{self, GitObject, TreeEntry, MODE_FILE, MODE_FOLDER};

#[derive(Debug)]
enum Node {
    File { id: Oid, mode: i32 },
    Folder(Folder),
}

#[derive(Debug, Default)]
struct Folder {
    /// The folder's id while nothing in it changed since it was written (or read).
    id: Option<Oid>,
    /// Its entries; `None` for a stored folder not read yet.
    entries: Option<BTreeMap<String, Node>>,
}

#[derive(Debug, Default)]
pub struct SessionTree {
    root: Folder,
}

impl SessionTree {
    /// An empty tree (a new session).
    pub fn new() -> SessionTree {
        SessionTree::default()
    }

    /// The tree stored as `id` (a resumed session); its folders are read when first changed.
    pub fn stored(id: Oid) -> SessionTree {
        SessionTree {
            root: Folder {
                id: Some(id),
                entries: None,
            },
        }
    }

    /// Adds or replaces the file at `path` (slash-separated).
    pub fn put(&mut self, repo: &Repository, path: &str, id: Oid) -> Result<(), git2::Error> {
        let mut folder = &mut self.root;
        let mut parts = path.split('/').peekable();
        while let Some(name) = parts.next() {
            let entries = folder.read(repo)?;
            if parts.peek().is_none() {
                entries.insert(
                    name.to_string(),
                    Node::File {
                        id,
                        mode: MODE_FILE,
                    },
                );
                return Ok(());
            }
            let node = entries
                .entry(name.to_string())
                .or_insert_with(|| Node::Folder(Folder::default()));
            if let Node::File { .. } = node {
                // A file where a folder is needed: the folder replaces it.
                *node = Node::Folder(Folder::default());
            }
            let Node::Folder(inner) = node else {
                return Err(git2::Error::from_str(
                    "a folder of the session's tree is a file",
                ));
            };
            folder = inner;
        }
        Ok(())
    }

    /// Writes every changed folder into `out` and returns the root's id.
    pub fn write(&mut self, out: &mut Vec<GitObject>) -> Oid {
        self.root.write(out)
    }
}

impl Folder {
    /// Its entries, read from the repository the first time, for a change: the folder
    /// forgets its id, since it will need writing again.
    fn read(&mut self, repo: &Repository) -> Result<&mut BTreeMap<String, Node>, git2::Error> {
        if self.entries.is_none() {
            let mut entries = BTreeMap::new();
            if let Some(id) = self.id {
                for entry in repo.find_tree(id)?.iter() {
                    let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
                    let node = if entry.kind() == Some(ObjectType::Tree) {
                        Node::Folder(Folder {
                            id: Some(entry.id()),
                            entries: None,
                        })
                    } else {
                        Node::File {
                            id: entry.id(),
                            mode: entry.filemode(),
                        }
                    };
                    entries.insert(name, node);
                }
            }
            self.entries = Some(entries);
        }
        self.id = None;
        Ok(self.entries.get_or_insert_with(BTreeMap::new))
    }

    fn write(&mut self, out: &mut Vec<GitObject>) -> Oid {
        if let Some(id) = self.id {
            return id;
        }
        let entries = self.entries.get_or_insert_with(BTreeMap::new);
        let mut listed: Vec<TreeEntry<'_>> = Vec::with_capacity(entries.len());
        for (name, node) in entries.iter_mut() {
            let (id, mode) = match node {
                Node::File { id, mode } => (*id, *mode),
                Node::Folder(folder) => (folder.write(out), MODE_FOLDER),
            };
            listed.push(TreeEntry { name, mode, id });
        }
        let tree = git_object::tree(&mut listed);
        let id = tree.id();
        out.push(tree);
        self.id = Some(id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_trees_as_libgit2_and_only_changed_folders_are_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut tree = SessionTree::new();
        tree.put(&repo, "runbook.md", blob).unwrap();
        tree.put(&repo, "events/0000/000001.json", blob).unwrap();
        let mut out = Vec::new();
        let root = tree.write(&mut out);
        assert_eq!(out.len(), 3, "events/0000, events and the root");
        for object in &out {
            repo.odb()
                .unwrap()
                .write(ObjectType::Tree, &object.body)
                .unwrap();
        }
        let stored = repo.find_tree(root).unwrap();
        let inner = stored.get_path("events/0000/000001.json".as_ref()).unwrap();
        assert_eq!(inner.id(), blob);

        out.clear();
        tree.put(&repo, "events/0001/000100.json", blob).unwrap();
        tree.write(&mut out);
        assert_eq!(
            out.len(),
            3,
            "events/0001, events and the root; not events/0000"
        );

        // A resumed tree reads what it needs and writes the same ids.
        let mut resumed = SessionTree::stored(root);
        resumed.put(&repo, "events/0001/000100.json", blob).unwrap();
        let mut again = Vec::new();
        assert_eq!(resumed.write(&mut again), tree.write(&mut Vec::new()));
    }
}
