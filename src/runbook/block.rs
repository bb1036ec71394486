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

/// One command with a way to map its offsets back to the block content.
struct CommandText {
    text: String,
    console: Option<ConsoleCommand>,
    /// Content offset where a plain script starts.
    start: usize,
}

impl CommandText {
    fn content_offset(&self, offset: usize) -> usize {
        match &self.console {
            Some(command) => command.content_offset(offset),
            None => self.start + offset,
        }
    }

    /// The host a console command is tagged for (`$web-1 uptime`).
    fn host(&self) -> Option<&String> {
        self.console.as_ref()?.host.as_ref()
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

    let mut commands: Vec<CommandText> = Vec::new();
    let mut expected_output = None;
    let console = classified.transcript.is_some();
    if kind == BlockKind::Command {
        match classified.transcript {
            Some(transcript) => {
                expected_output = transcript.expected;
                commands = transcript
                    .commands
                    .into_iter()
                    .map(|mut command| CommandText {
                        // The text moves out; the mapping back to the content stays.
                        text: std::mem::take(&mut command.text),
                        console: Some(command),
                        start: 0,
                    })
                    .collect();
            }
            None => {
                let trimmed = raw.content.trim_end_matches(['\n', '\r']);
                if !trimmed.trim().is_empty() {
                    commands.push(CommandText {
                        text: trimmed.to_string(),
                        console: None,
                        start: 0,
                    });
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
    for command in &commands {
        closing_tag_names(&command.text, &mut closing_tags);
    }
    let mut destructive = None;
    for (index, command) in commands.iter().enumerate() {
        scan_into(&command.text, scanned);
        variables.add(&command.text, scanned);
        if kind == BlockKind::Command && destructive.is_none() {
            destructive = destructive_reason_scanned(&command.text, scanned);
        }
        for found in &scanned.placeholders {
            let name = placeholder_name(&command.text[found.start..found.end]);
            if closing_tags.contains(name) {
                continue;
            }
            let start = raw.source_offset(command.content_offset(found.start));
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
        let mut line_start = 0;
        for line in command.text.split_inclusive('\n') {
            if !line.contains('<') {
                line_start += line.len();
                continue;
            }
            if let Some((open, close)) = unclosed_placeholder(line.trim_end_matches('\n')) {
                let start = raw.source_offset(command.content_offset(line_start + open));
                diagnostics.push(
                    Diagnostic::warning(
                        Code::MalformedPlaceholder,
                        Span::new(start, start + (close - open)),
                        format!("`{}` opens a placeholder that is never closed", &line[open..close]),
                    )
                    .with_help(format!("close it with `>` (as in `{}>`), or put a space after `<` if it is a redirection", &line[open..close])),
                );
            }
            line_start += line.len();
        }
    }

    // Listed only when some command has a host.
    let command_hosts = if commands.iter().any(|command| command.host().is_some()) {
        commands
            .iter()
            .map(|command| command.host().cloned())
            .collect()
    } else {
        Vec::new()
    };
    let variables = variables.finish();
    let command_lines = commands
        .iter()
        .map(|command| position(command.content_offset(0)).line)
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
        commands: commands.into_iter().map(|command| command.text).collect(),
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
    let mut at = 0;
    while let Some(offset) = text[at..].find("</") {
        let start = at + offset + 2;
        let end = text[start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(text.len(), |n| start + n);
        if text[end..].starts_with('>') && end > start {
            names.insert(&text[start..end]);
        }
        at = start;
    }
}
