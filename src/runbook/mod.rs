//! The runbook format: Markdown in, a validated step graph out (FORMAT.md §1–7).
//!
//! `parse` never fails and never panics: whatever the input, it returns a `Runbook` whose
//! `diagnostics` say what is wrong and where. `load` adds the file-level checks (missing,
//! a directory, too large, not UTF-8). This module does no other I/O and knows nothing of
//! terminals, processes or git.

pub mod attrs;
mod block;
mod classify;
mod console;
pub mod destructive;
pub mod diagnostic;
pub mod duration;
mod fence;
pub mod front_matter;
mod graph;
mod info_string;
mod key_index;
mod load;
pub mod model;
pub mod options;
pub mod placeholders;
pub mod shell;
mod slug;
pub mod source;
mod steps;
pub mod suggest;
mod text;
pub mod variables;
mod walk;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use load::{load, LoadError, MAX_RUNBOOK_BYTES};
pub use model::*;
pub use slug::{slug, Slugger};
pub use source::{Position, Source, Span};
pub use walk::markdown_options;

/// Parses runbook `text` read from `path` (the path is only used in messages).
///
/// ```
/// use cairn::runbook::{parse, BlockKind, EdgeWhen};
///
/// let runbook = parse(
///     "restart.md",
///     "# Restart the worker\n\
///      \n\
///      ## Check the queue\n\
///      \n\
///      ```console\n\
///      $ queue-depth --name <queue>\n\
///      1200\n\
///      ```\n\
///      \n\
///      ## Restart\n\
///      \n\
///      ```bash { confirm timeout=30s }\n\
///      systemctl restart worker\n\
///      ```\n",
/// );
/// assert_eq!(runbook.title, "Restart the worker");
/// let check = &runbook.steps[0];
/// assert_eq!((check.id.as_str(), check.line), ("check-the-queue", 3));
/// assert_eq!(check.blocks[0].kind, BlockKind::Command);
/// assert_eq!(check.blocks[0].commands, ["queue-depth --name <queue>"]);
/// assert_eq!(check.blocks[0].expected_output.as_deref(), Some("1200"));
/// assert_eq!(check.blocks[0].placeholders[0].name, "queue");
/// assert_eq!(check.next[0].to, "restart");
/// assert_eq!(runbook.steps[1].next[0].when, EdgeWhen::Default);
/// assert!(runbook.diagnostics.is_empty());
/// ```
pub fn parse(path: &str, text: &str) -> Runbook {
    let source = Source::new(path, text);
    let (mut runbook, facts) = walk::walk(source);
    graph::link(&mut runbook, &facts);
    let source = &runbook.source;
    for diagnostic in &mut runbook.diagnostics {
        diagnostic.locate(source);
    }
    runbook
        .diagnostics
        .sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.severity));
    runbook
}
