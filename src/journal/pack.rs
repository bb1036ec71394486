//! Packs: many objects in one file, as git stores them (`objects/pack/pack-<sum>.pack` with
//! its `.idx`). The journal writes each event's few objects as one small pack, because a
//! pack is made durable with two file syncs and one folder sync, where loose objects need
//! a file sync and a folder sync each.
//!
//! Formats: git's pack version 2 (no deltas: every entry is a whole object, zlib-deflated)
//! and pack index version 2, as in git's `Documentation/gitformat-pack.txt`.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::write::ZlibEncoder;
use flate2::Compression;
use git2::{ObjectType, Oid};
use sha1::{Digest, Sha1};

use super::git_object::{oid, GitObject};

/// One object as a pack entry: its id, its entry bytes (type, size, deflated body), and the
/// CRC-32 of those bytes (the index keeps it). Entries do not depend on where in a pack they
/// sit, so packs can be merged by concatenating them.
#[derive(Clone, Debug)]
pub struct PackedObject {
    pub id: Oid,
    crc: u32,
    entry: Vec<u8>,
}

impl PackedObject {
    pub fn new(object: &GitObject) -> PackedObject {
        let mut entry = entry_header(object.kind, object.body.len());
        let mut encoder = ZlibEncoder::new(entry, Compression::fast());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(&object.body);
        entry = encoder.finish().unwrap_or_default();
        PackedObject {
            id: object.id(),
            crc: crc32fast::hash(&entry),
            entry,
        }
    }

    /// How many bytes it takes in a pack.
    pub fn size(&self) -> usize {
        self.entry.len()
    }
}

/// An entry's header: the type in bits 4–6 of the first byte, the size in the low 4 bits
/// and then 7 bits a byte, least significant first, the top bit saying more follow.
fn entry_header(kind: ObjectType, size: usize) -> Vec<u8> {
    let type_bits: u8 = match kind {
        ObjectType::Commit => 1,
        ObjectType::Tree => 2,
        ObjectType::Tag => 4,
        _ => 3,
    };
    let mut header = Vec::with_capacity(10);
    let mut byte = (type_bits << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        header.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    header.push(byte);
    header
}

/// A pack on disk: its two files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFiles {
    pub pack: PathBuf,
    pub index: PathBuf,
}

impl PackFiles {
    /// Removes the pack: its index first, so that no reader sees an index without its pack.
    pub fn remove(&self) -> io::Result<()> {
        std::fs::remove_file(&self.index)?;
        std::fs::remove_file(&self.pack)
    }
}

/// Writes `objects` (duplicates are written once) as a pack in `pack_dir`, durably: both
/// files are synced before they take their names (the pack first, then the index that makes
/// git see it), and then the folder that holds the names.
pub fn write(pack_dir: &Path, objects: &[&PackedObject]) -> io::Result<PackFiles> {
    let mut sorted: Vec<&PackedObject> = objects.to_vec();
    sorted.sort_by_key(|object| object.id);
    sorted.dedup_by_key(|object| object.id);

    let mut offsets = std::collections::HashMap::with_capacity(sorted.len());
    let mut pack = Vec::with_capacity(12 + 20 + objects.iter().map(|o| o.size()).sum::<usize>());
    pack.extend_from_slice(b"PACK");
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&(sorted.len() as u32).to_be_bytes());
    // Entries in the order given (commits before trees before blobs read best), once each.
    for object in objects {
        if let std::collections::hash_map::Entry::Vacant(slot) = offsets.entry(object.id) {
            slot.insert(pack.len() as u64);
            pack.extend_from_slice(&object.entry);
        }
    }
    let checksum = Sha1::digest(&pack);
    pack.extend_from_slice(&checksum);
    let index = index(&sorted, &offsets, &checksum);

    let name = oid(&checksum);
    let files = PackFiles {
        pack: pack_dir.join(format!("pack-{name}.pack")),
        index: pack_dir.join(format!("pack-{name}.idx")),
    };
    write_synced(pack_dir, &files.pack, &pack)?;
    write_synced(pack_dir, &files.index, &index)?;
    File::open(pack_dir)?.sync_all()?;
    Ok(files)
}

/// The index (version 2): a fan-out table of counts by first byte, the sorted ids, their
/// CRC-32s, their offsets (31 bits, or a pointer into a table of 64-bit ones), then the
/// pack's checksum and the index's own.
fn index(
    sorted: &[&PackedObject],
    offsets: &std::collections::HashMap<Oid, u64>,
    pack_checksum: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 1024 + sorted.len() * 28 + 40);
    out.extend_from_slice(&[0xff, b't', b'O', b'c']);
    out.extend_from_slice(&2u32.to_be_bytes());
    let mut fan_out = [0u32; 256];
    for object in sorted {
        fan_out[usize::from(object.id.as_bytes()[0])] += 1;
    }
    let mut running = 0u32;
    for count in fan_out {
        running += count;
        out.extend_from_slice(&running.to_be_bytes());
    }
    for object in sorted {
        out.extend_from_slice(object.id.as_bytes());
    }
    for object in sorted {
        out.extend_from_slice(&object.crc.to_be_bytes());
    }
    let mut large = Vec::new();
    for object in sorted {
        let offset = offsets.get(&object.id).copied().unwrap_or(0);
        if offset < 0x8000_0000 {
            out.extend_from_slice(&(offset as u32).to_be_bytes());
        } else {
            out.extend_from_slice(&(0x8000_0000 | large.len() as u32).to_be_bytes());
            large.push(offset);
        }
    }
    for offset in large {
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out.extend_from_slice(pack_checksum);
    let own = Sha1::digest(&out);
    out.extend_from_slice(&own);
    out
}

/// Writes `bytes` to a temporary file in `dir`, syncs it, and renames it to `path`.
fn write_synced(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix("tmp_pack_")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_data()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn git_reads_what_it_packs() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        // A body over 15 bytes needs more than one size byte; a big one, several.
        let small = GitObject::blob(b"hi\n");
        let medium = GitObject::blob(b"a line of output that is longer than fifteen bytes\n");
        let big = GitObject::blob(&vec![b'x'; 300_000]);
        let objects: Vec<PackedObject> = [&small, &medium, &big, &small]
            .into_iter()
            .map(PackedObject::new)
            .collect();
        let refs: Vec<&PackedObject> = objects.iter().collect();
        let files = write(&dir.path().join("objects/pack"), &refs).unwrap();
        assert!(files.pack.exists() && files.index.exists());

        let verified = git(
            dir.path(),
            &["verify-pack", "-v", files.index.to_str().unwrap()],
        );
        assert!(verified.contains(&small.id().to_string()), "{verified}");
        assert!(verified.contains("non delta: 3 objects"), "{verified}");
        assert_eq!(
            git(dir.path(), &["cat-file", "-p", &small.id().to_string()]),
            "hi\n"
        );
        assert_eq!(
            repo.find_blob(big.id()).unwrap().content().len(),
            300_000,
            "libgit2 reads it too"
        );
        files.remove().unwrap();
        assert!(!files.pack.exists() && !files.index.exists());
    }
}
