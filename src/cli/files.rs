//! Which files a command reads: paths as given, with directories searched for `*.md`.

use std::path::{Path, PathBuf};

/// A path argument that names no runbook: the path and what to tell the user.
pub struct NoRunbooks {
    pub path: PathBuf,
    pub message: String,
}

/// Expands directories into the Markdown files under them (sorted, hidden folders skipped);
/// files are kept as given, even without the `.md` extension. A directory with no runbooks in
/// it is an error.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, NoRunbooks>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect_markdown(path, &mut found);
            found.sort();
            if found.is_empty() {
                out.push(Err(NoRunbooks {
                    path: path.clone(),
                    message: format!(
                        "{}: no runbooks (*.md files) in this directory; name a runbook file or a folder that holds some",
                        path.display()
                    ),
                }));
            }
            out.extend(found.into_iter().map(Ok));
        } else {
            out.push(Ok(path.clone()));
        }
    }
    out
}

fn collect_markdown(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // Symlinks to files count (followed); symlinked folders are not entered, so that a
        // link cycle cannot loop.
        let is_file = kind.is_file() || (kind.is_symlink() && path.is_file());
        if kind.is_dir() && !hidden {
            collect_markdown(&path, found);
        } else if is_file
            && !hidden
            && path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
        {
            found.push(path);
        }
    }
}
