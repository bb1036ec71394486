//! Reading a runbook file: refuses what is not a readable, UTF-8, reasonably sized file with
//! an error that says what is wrong (and where, for bad bytes) and what to do.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::model::Runbook;
use super::parse;
use super::source::Source;

/// Runbooks larger than this are refused: a runbook is prose for people, and anything bigger
/// is almost certainly the wrong file (a log, a dump).
pub const MAX_RUNBOOK_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    IsDirectory(PathBuf),
    TooLarge {
        path: PathBuf,
        bytes: u64,
    },
    NotUtf8 {
        path: PathBuf,
        line: usize,
        col: usize,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(path) => write!(
                f,
                "{}: no such file; check the path (runbooks are Markdown files such as runbooks/getting-started.md)",
                path.display()
            ),
            LoadError::IsDirectory(path) => write!(
                f,
                "{}: is a directory, not a runbook; name a Markdown file inside it",
                path.display()
            ),
            LoadError::TooLarge { path, bytes } => write!(
                f,
                "{}: is {:.1} MiB; cairn reads runbooks up to {} MiB, so this is probably not a runbook",
                path.display(),
                *bytes as f64 / (1024.0 * 1024.0),
                MAX_RUNBOOK_BYTES / (1024 * 1024)
            ),
            LoadError::NotUtf8 { path, line, col } => write!(
                f,
                "{}:{line}:{col}: the file is not valid UTF-8 here; save it as UTF-8 (for example with `iconv -t UTF-8`)",
                path.display()
            ),
            LoadError::Io { path, error } => write!(f, "{}: cannot read the file: {error}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads and parses the runbook at `path`.
pub fn load(path: &Path) -> Result<Runbook, LoadError> {
    let text = read_text(path)?;
    Ok(parse(&path.to_string_lossy(), &text))
}

/// Reads a runbook's text, refusing directories, huge files and invalid UTF-8.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let io = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(path.to_path_buf()),
        _ => LoadError::Io {
            path: path.to_path_buf(),
            error,
        },
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_dir() {
        return Err(LoadError::IsDirectory(path.to_path_buf()));
    }
    if metadata.len() > MAX_RUNBOOK_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            bytes: metadata.len(),
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // Read at most one byte past the limit: special files (a FIFO, /dev/zero) report no size.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_RUNBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_RUNBOOK_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.into_bytes();
        // The valid prefix is UTF-8, so positions can be counted on it.
        let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
        let source = Source::new("", prefix);
        let position = source.position(valid);
        LoadError::NotUtf8 {
            path: path.to_path_buf(),
            line: position.line,
            col: position.col,
        }
    })
}
