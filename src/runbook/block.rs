//! Builds one `Block` from a code block found in the Markdown: reads its info string and
//! attributes, decides its kind, splits console transcripts, and finds placeholders,
//! variables and destructive commands, each placed at its exact line and column.

use rustc_hash::FxHashSet as HashSet;

use super::classify::{classify, Neighbourhood};
use super::console::ConsoleCommand;
use super::destructive::destructive_reason_scanned;
use super::diagnostic::{Code, Diagnostic};
use super::info_string::parse_info;
use super::model::{Block, BlockKind, Fence, Placeholder};
use super::options::block_options;
use super::placeholders::{placeholder_name, unclosed_placeholder};
use super::shell::{scan_into, ShellScan};
use super::source::{OffsetMap, Source, Span};
use super::variables::VariableAnalysis;

/// A code block as the Markdown walk found it.
#[derive(Clone, Debug)]
pub struct RawBlock {
    pub span: Span,
    pub fence: Fence,
    /// Where the info string is, if there is one.
    pub info: Option<Span>,
    pub content: String,
    /// Where each piece of text pulldown-cmark gave sits in the source.
    pub pieces: OffsetMap,
}

impl RawBlock {
    /// The source offset of an offset in the content.
    fn source_offset(&self, offset: usize) -> usize {
        self.pieces.map(offset).unwrap_or(self.span.start)
    }
}

/// The commands of a block (what `Block::commands` holds) and where their text came from.
#[derive(Default)]
struct Commands {
    texts: Vec<String>,
    /// For a console block, each command's prompt lines (their `text` moved to `texts`);
    /// empty for a plain script, which is the content from its start.
    console: Vec<ConsoleCommand>,
}

impl Commands {
    /// The content offset of `offset` in command `index`.
    fn content_offset(&self, index: usize, offset: usize) -> usize {
        match self.console.get(index) {
            Some(command) => command.content_offset(offset),
            None => offset,
        }
    }

    /// For a console block with `$host cmd` tags, the host of each command; else empty.
    fn hosts(&self) -> Vec<Option<String>> {
        if self.console.iter().any(|command| command.host.is_some()) {
            self.console
                .iter()
                .map(|command| command.host.clone())
                .collect()
        } else {
            Vec::new()
        }
    }
}

/// Buffers that building one block needs and the next can reuse, so that a runbook of
/// thousands of blocks does not allocate and free them for each.
#[derive(Debug, Default)]
pub struct Scratch {
    scan: ShellScan,
    variables: VariableAnalysis,
}

pub fn build(
    raw: RawBlock,
    source: &Source,
    around: Neighbourhood,
    scratch: &mut Scratch,
    diagnostics: &mut Vec<Diagnostic>,
) -> Block {
    let info = match raw.info {
        Some(span) => parse_info(source.slice(span), span.start, diagnostics),
        None => Default::default(),
    };
    let options = block_options(&info.attrs, diagnostics);
    let classified = classify(info.lang.as_deref(), &options, &raw.content, around);
    let kind = classified.kind.unwrap_or(BlockKind::Snippet);
    if let (Some(looks_like), Some(lang)) = (classified.looks_like, &info.lang) {
        diagnostics.push(
            Diagnostic::warning(
                Code::NotACommand,
                info_span(&raw, source),
                format!("this `{lang}` block reads as {looks_like}, so it is shown, not run"),
            )
            .with_help(format!(
                "tag it with its own language (for example ```{}) or add `interpreter=` to run it",
                match looks_like {
                    "YAML" => "yaml",
                    "JSON" => "json",
                    "a PromQL query" => "promql",
                    "a log excerpt" => "log",
                    _ => "text",
                }
            )),
        );
    }

    let mut commands = Commands::default();
    let mut expected_output = None;
    let console = classified.transcript.is_some();
    if kind == BlockKind::Command {
        match classified.transcript {
            Some(mut transcript) => {
                expected_output = transcript.expected;
                // The texts move out; the mapping back to the content stays.
                commands.texts = transcript
                    .commands
                    .iter_mut()
                    .map(|command| std::mem::take(&mut command.text))
                    .collect();
                commands.console = transcript.commands;
            }
            None => {
                let trimmed = raw.content.trim_end_matches(['\n', '\r']);
                if !trimmed.trim().is_empty() {
                    commands.texts = vec![trimmed.to_string()];
                }
            }
        }
    }

    let position = |content_offset: usize| source.position(raw.source_offset(content_offset));
    let block_position = source.position(raw.span.start);
    let mut placeholders = Vec::new();
    // Each command is lexed once, into one reused buffer; placeholders, variables and danger
    // all read the same scan.
    let Scratch {
        scan: scanned,
        variables,
    } = scratch;
    // `</b>` anywhere in the block makes `<b>` a tag, also across commands.
    let mut closing_tags: HashSet<&str> = HashSet::default();
    for text in &commands.texts {
        closing_tag_names(text, &mut closing_tags);
    }
    let mut destructive = None;
    for (index, text) in commands.texts.iter().enumerate() {
        scan_into(text, scanned);
        variables.add(text, scanned);
        if kind == BlockKind::Command && destructive.is_none() {
            destructive = destructive_reason_scanned(text, scanned);
        }
        for found in &scanned.placeholders {
            let name = placeholder_name(&text[found.start..found.end]);
            if closing_tags.contains(name) {
                continue;
            }
            let start = raw.source_offset(commands.content_offset(index, found.start));
            let at = source.position(start);
            placeholders.push(Placeholder {
                name: name.to_string(),
                command: index,
                line: at.line,
                col: at.col,
                quote: found.quote,
                span: Span::new(start, start + (found.end - found.start)),
            });
        }
        for (line_start, line) in lines(text) {
            if let Some((open, close)) = unclosed_placeholder(line) {
                let start = raw.source_offset(commands.content_offset(index, line_start + open));
                diagnostics.push(
                    Diagnostic::warning(
                        Code::MalformedPlaceholder,
                        Span::new(start, start + (close - open)),
                        format!("`{}` opens a placeholder that is never closed", &line[open..close]),
                    )
                    .with_help(format!("close it with `>` (as in `{}>`), or put a space after `<` if it is a redirection", &line[open..close])),
                );
            }
        }
    }

    let command_hosts = commands.hosts();
    let variables = variables.finish();
    let command_lines = (0..commands.texts.len())
        .map(|index| position(commands.content_offset(index, 0)).line)
        .collect();
    let prompt_env = if kind == BlockKind::Command && options.prompt_env != Some(false) {
        variables.prompt_env
    } else {
        Vec::new()
    };
    let mut defines = variables.sets;
    if let Some(capture) = &options.capture {
        if !defines.contains(capture) {
            defines.push(capture.clone());
        }
    }
    Block {
        kind,
        lang: info.lang,
        line: block_position.line,
        col: block_position.col,
        fence: raw.fence,
        interpreter: if kind == BlockKind::Command {
            classified.interpreter
        } else {
            None
        },
        console: console && kind == BlockKind::Command,
        commands: commands.texts,
        command_lines,
        command_hosts,
        expected_output,
        output_of: None,
        attrs: info.attrs,
        options,
        placeholders,
        variables: if kind == BlockKind::Command {
            variables.reads
        } else {
            Vec::new()
        },
        undefined: Vec::new(),
        defines: if kind == BlockKind::Command {
            defines
        } else {
            Vec::new()
        },
        prompt_env,
        destructive,
        content: raw.content,
        span: raw.span,
    }
}

/// The span to blame for the block as a whole: its info string, or its first line.
fn info_span(raw: &RawBlock, source: &Source) -> Span {
    match raw.info {
        Some(span) => Span::new(span.start, span.start + source.slice(span).trim_end().len()),
        None => Span::new(raw.span.start, raw.span.start + 3),
    }
}

/// Adds the names of the `</tag>` closers in `text` to `names`: a `<tag>` whose closer is in
/// the block is HTML, not a placeholder.
fn closing_tag_names<'t>(text: &'t str, names: &mut HashSet<&'t str>) {
    let bytes = text.as_bytes();
    for open in memchr::memchr_iter(b'<', bytes) {
        if bytes.get(open + 1) != Some(&b'/') {
            continue;
        }
        let start = open + 2;
        let end = bytes[start..]
            .iter()
            .position(|byte| !byte.is_ascii_alphanumeric())
            .map_or(text.len(), |n| start + n);
        if bytes.get(end) == Some(&b'>') && end > start {
            names.insert(&text[start..end]);
        }
    }
}

/// The lines of `text` (without their `\n`), each with its offset.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        let line = (start, &text[start..end]);
        start = end + 1;
        Some(line)
    })
}
