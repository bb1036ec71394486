//! Git's object formats, written by hand for the objects a journal commit makes (blobs, the
//! trees on the paths it changes, the commit), so that a commit can be built, hashed and
//! packed without asking libgit2 to look anything up.
//!
//! The bytes are exactly what `git hash-object` and libgit2 produce for the same content:
//! `git fsck --strict` and plain `git log` read them like any other.

use git2::{ObjectType, Oid};
use sha1::{Digest, Sha1};

/// One object: its kind and its body (without git's `"<type> <size>\0"` header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitObject {
    pub kind: ObjectType,
    pub body: Vec<u8>,
}

impl GitObject {
    pub fn blob(body: &[u8]) -> GitObject {
        GitObject {
            kind: ObjectType::Blob,
            body: body.to_vec(),
        }
    }

    /// Its id: the SHA-1 of the header and the body.
    pub fn id(&self) -> Oid {
        let mut hasher = Sha1::new();
        hasher.update(format!("{} {}\0", kind_name(self.kind), self.body.len()));
        hasher.update(&self.body);
        oid(&hasher.finalize())
    }
}

pub fn kind_name(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::Commit => "commit",
        ObjectType::Tree => "tree",
        ObjectType::Tag => "tag",
        _ => "blob",
    }
}

/// A SHA-1 digest as a git id.
pub fn oid(digest: &[u8]) -> Oid {
    // A SHA-1 digest is always 20 bytes, which is what `from_bytes` asks for.
    Oid::from_bytes(digest).unwrap_or(Oid::ZERO_SHA1)
}

/// A tree entry: a file (`100644`, or whatever mode it was stored with) or a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeEntry<'a> {
    pub name: &'a str,
    pub mode: i32,
    pub id: Oid,
}

pub const MODE_FILE: i32 = 0o100644;
pub const MODE_FOLDER: i32 = 0o040000;

/// A tree from its entries, in git's order (a folder sorts as if its name ended in `/`).
pub fn tree(entries: &mut [TreeEntry<'_>]) -> GitObject {
    entries.sort_by(|a, b| sort_name(a).cmp(sort_name(b)));
    let mut body = Vec::with_capacity(entries.len() * 40);
    for entry in entries.iter() {
        // Git writes modes in octal without leading zeros: `40000`, `100644`.
        body.extend_from_slice(format!("{:o} ", entry.mode).as_bytes());
        body.extend_from_slice(entry.name.as_bytes());
        body.push(0);
        body.extend_from_slice(entry.id.as_bytes());
    }
    GitObject {
        kind: ObjectType::Tree,
        body,
    }
}

/// The name an entry sorts by.
fn sort_name<'a>(entry: &TreeEntry<'a>) -> impl Iterator<Item = u8> + 'a {
    let folder: &'static [u8] = if entry.mode == MODE_FOLDER { b"/" } else { b"" };
    entry.name.bytes().chain(folder.iter().copied())
}

/// Who made a commit, and when (seconds since the epoch, UTC).
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub seconds: i64,
}

/// A commit of `tree` on `parent`, authored and committed by `by`, saying `message`.
pub fn commit(tree: Oid, parent: Option<Oid>, by: Signed<'_>, message: &str) -> GitObject {
    let mut text = format!("tree {tree}\n");
    if let Some(parent) = parent {
        text.push_str(&format!("parent {parent}\n"));
    }
    let who = format!("{} <{}> {} +0000", by.name, by.email, by.seconds);
    text.push_str(&format!("author {who}\ncommitter {who}\n\n"));
    text.push_str(message);
    GitObject {
        kind: ObjectType::Commit,
        body: text.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_gits_ids() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            GitObject::blob(b"hello\n").id().to_string(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        // The empty tree every git knows.
        assert_eq!(
            tree(&mut []).id().to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
    }

    #[test]
    fn folders_sort_as_if_their_name_ended_in_a_slash() {
        let id = Oid::ZERO_SHA1;
        let mut entries = [
            TreeEntry {
                name: "a",
                mode: MODE_FOLDER,
                id,
            },
            TreeEntry {
                name: "a.b",
                mode: MODE_FILE,
                id,
            },
            TreeEntry {
                name: "a-b",
                mode: MODE_FILE,
                id,
            },
        ];
        tree(&mut entries);
        let names: Vec<&str> = entries.iter().map(|entry| entry.name).collect();
        assert_eq!(names, ["a-b", "a.b", "a"]);
    }

    #[test]
    fn the_same_objects_as_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let blob = repo.blob(b"event\n").unwrap();
        assert_eq!(GitObject::blob(b"event\n").id(), blob);
        let mut builder = repo.treebuilder(None).unwrap();
        builder.insert("000001.json", blob, MODE_FILE).unwrap();
        let inner = builder.write().unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        builder.insert("0000", inner, MODE_FOLDER).unwrap();
        builder.insert("runbook.md", blob, MODE_FILE).unwrap();
        let root = builder.write().unwrap();
        let mut entries = [TreeEntry {
            name: "000001.json",
            mode: MODE_FILE,
            id: blob,
        }];
        assert_eq!(tree(&mut entries).id(), inner);
        let mut entries = [
            TreeEntry {
                name: "runbook.md",
                mode: MODE_FILE,
                id: blob,
            },
            TreeEntry {
                name: "0000",
                mode: MODE_FOLDER,
                id: inner,
            },
        ];
        assert_eq!(tree(&mut entries).id(), root);

        let signature =
            git2::Signature::new("Ada", "ada@example.com", &git2::Time::new(1_795_906_843, 0))
                .unwrap();
        let tree_object = repo.find_tree(root).unwrap();
        let first = repo
            .commit(
                None,
                &signature,
                &signature,
                "first\n\nCairn-Event: 1\n",
                &tree_object,
                &[],
            )
            .unwrap();
        let by = Signed {
            name: "Ada",
            email: "ada@example.com",
            seconds: 1_795_906_843,
        };
        assert_eq!(
            commit(root, None, by, "first\n\nCairn-Event: 1\n").id(),
            first
        );
        let parent = repo.find_commit(first).unwrap();
        let second = repo
            .commit(
                None,
                &signature,
                &signature,
                "second",
                &tree_object,
                &[&parent],
            )
            .unwrap();
        assert_eq!(commit(root, Some(first), by, "second").id(), second);
    }
}
