//! The Markdown walk: one pass over pulldown-cmark's events (with byte offsets) that cuts the
//! document into the title, the introduction and one section per top-level heading, and
//! collects each section's code blocks, task-list checks, annotations and decision lists.
//! Structure comes from events, never from re-reading accumulated text.

use std::borrow::Cow;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::attrs::parse_pairs;
use super::block::{build, RawBlock, Scratch};
use super::classify::Neighbourhood;
use super::diagnostic::{Code, Diagnostic};
use super::fence::{check_closed, fence_and_info};
use super::front_matter;
use super::graph::StepFacts;
use super::model::{Block, BlockKind, Check, Fence, Runbook, END};
use super::options::{step_annotation, StepOptions};
use super::slug::Slugger;
use super::source::{OffsetMap, Source, Span};
use super::steps::Steps;
use super::text::trimmed;
use super::variables::Definitions;

/// A decision list as written: labels and raw link targets, resolved later by the graph.
#[derive(Clone, Debug, Default)]
pub struct RawDecision {
    pub prompt: Option<String>,
    pub span: Span,
    pub items: Vec<RawChoice>,
}

#[derive(Clone, Debug, Default)]
pub struct RawChoice {
    pub label: String,
    pub span: Span,
    /// `#anchor` link targets in the item.
    pub targets: Vec<String>,
}

/// The content of one section while it is being collected.
#[derive(Debug, Default)]
pub(super) struct Section {
    /// None for the introduction.
    pub(super) heading: Option<Heading>,
    pub(super) body_start: usize,
    pub(super) body_end: usize,
    /// The first content's offset (for the implicit step's line).
    pub(super) first_content: Option<usize>,
    pub(super) blocks: Vec<Block>,
    pub(super) checks: Vec<Check>,
    pub(super) options: StepOptions,
    /// The introduction's annotations, reported if it becomes no step. Under a heading
    /// they are not needed, so not kept.
    pub(super) annotation_spans: Vec<Span>,
    pub(super) decision: Option<RawDecision>,
    pub(super) has_content: bool,
    /// Some block of the section is a command (kept here so that deciding the step's kind
    /// does not walk the blocks again).
    pub(super) has_command: bool,
    /// Anchors of headings that are not steps (the title, headings in lists or quotes),
    /// which lead to this section's step.
    pub(super) inner_anchors: Vec<String>,
    /// The last block is a command and nothing but prose followed it: an untagged block
    /// here is that command's output. A new list item or table breaks the link.
    pub(super) output_may_follow: bool,
}

#[derive(Debug)]
pub(super) struct Heading {
    pub(super) level: u8,
    pub(super) title: String,
    pub(super) anchor: String,
    pub(super) span: Span,
}

/// A list item being read (for checks and decision choices).
#[derive(Debug)]
struct Item {
    start: usize,
    task: Option<bool>,
    text: String,
    links: Vec<String>,
}

/// A decision list being read.
#[derive(Debug)]
struct OpenDecision {
    decision: RawDecision,
    /// The nesting depth of the list itself; its own items sit one deeper.
    list_depth: usize,
}

pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

/// Reads the runbook into its steps (not linked yet), with what linking needs to know of
/// each step.
pub fn walk(source: Source) -> (Runbook, Vec<StepFacts>) {
    let mut diagnostics = Vec::new();
    let (front_matter, body_start) = front_matter::parse(&source, &mut diagnostics);
    let text = source.text();
    let body = &text[body_start..];

    let mut scratch = Scratch::default();
    // Blocks are built in document order: what each reads undefined is known at once.
    let mut definitions = Definitions::new(&front_matter);
    let mut slugger = Slugger::default();
    // `end` ends the walk: a heading called "End" gets `end-1`.
    slugger.reserve(END);
    // The section being collected; each one closed becomes a step at once.
    let mut section = Section {
        body_start,
        ..Section::default()
    };
    let mut steps = Steps::default();
    let mut intro = Span::default();
    let mut first_h1: Option<String> = None;
    let mut title_heading: Option<String> = None;
    let mut seen_heading = false;

    // Containers around the current event: block quotes, lists and list items.
    let mut depth = 0usize;
    let mut heading: Option<(u8, usize, String, bool)> = None; // level, start, text, top level
    let mut code: Option<RawBlock> = None;
    let mut html: Option<(Cow<str>, OffsetMap)> = None;
    let mut items: Vec<Item> = Vec::new();
    // The text buffers of closed items, for the next ones: an item's text arrives in many
    // pieces, and a reused buffer has room for them all.
    let mut spare_texts: Vec<String> = Vec::new();
    let mut pending_choose: Option<RawDecision> = None;
    let mut open_decision: Option<OpenDecision> = None;

    let parser = Parser::new_ext(body, markdown_options()).into_offset_iter();
    for (event, range) in parser {
        let span = Span::new(body_start + range.start, body_start + range.end);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, span.start, String::new(), depth == 0));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, title, top_level)) = heading.take() else {
                    continue;
                };
                let title = trimmed(title);
                let anchor = slugger.anchor(&title);
                if level == 1 && first_h1.is_none() {
                    first_h1 = Some(title.clone());
                }
                let is_title = level == 1 && !seen_heading && top_level;
                seen_heading = true;
                let heading_span = Span::new(start, start + text[start..span.end].trim_end().len());
                if is_title {
                    // No heading came before: the section is still the introduction.
                    title_heading = Some(title);
                    section.body_start = span.end;
                    // `#title` leads to the top of the runbook.
                    section.inner_anchors.push(anchor);
                    continue;
                }
                if !top_level {
                    // A heading in a list item or quote is prose; its anchor leads to its step.
                    section.has_content = true;
                    section.inner_anchors.push(anchor);
                    continue;
                }
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                section.body_end = start;
                let next = Section {
                    heading: Some(Heading {
                        level,
                        title,
                        anchor,
                        span: heading_span,
                    }),
                    body_start: span.end,
                    ..Section::default()
                };
                let closed = std::mem::replace(&mut section, next);
                close(
                    closed,
                    Some(level),
                    &mut intro,
                    &mut steps,
                    &source,
                    &mut diagnostics,
                );
            }
            Event::Text(text_piece) | Event::Code(text_piece) => {
                if let Some((_, _, title, _)) = heading.as_mut() {
                    title.push_str(&text_piece);
                } else if let Some(block) = code.as_mut() {
                    block.pieces.push(block.content.len(), span.start);
                    block.content.push_str(&text_piece);
                } else if let Some(item) = items.last_mut() {
                    item.text.push_str(&text_piece);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, _, title, _)) = heading.as_mut() {
                    // A setext heading over two lines: "Foo\nbar\n===" is "Foo bar".
                    title.push(' ');
                } else if let Some(item) = items.last_mut() {
                    item.text.push(' ');
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                mark_content(&mut section, span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                let (fence, info) = match kind {
                    CodeBlockKind::Indented => (Fence::Indented, None),
                    CodeBlockKind::Fenced(_) => fence_and_info(text, span),
                };
                code = Some(RawBlock {
                    span,
                    fence,
                    info,
                    // Room for the block's whole text, which the content (without fences or
                    // indentation) seldom exceeds: one allocation rather than one per line.
                    content: String::with_capacity(span.end - span.start),
                    pieces: OffsetMap::default(),
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some(mut raw) = code.take() else { continue };
                raw.span = span;
                if raw.fence != Fence::Indented {
                    check_closed(text, &raw, &mut diagnostics);
                }
                // When output may follow, the last block is the command it belongs to.
                let previous_is_command = section.output_may_follow;
                let previous_command = section.blocks.len().checked_sub(1);
                let around = Neighbourhood {
                    previous_is_command,
                    default_shell: front_matter.shell.as_deref().unwrap_or("bash"),
                };
                let mut block = build(raw, &source, around, &mut scratch, &mut diagnostics);
                definitions.read(&mut block);
                if block.kind == BlockKind::Output {
                    block.output_of = previous_command.filter(|_| previous_is_command);
                }
                section.output_may_follow = block.kind == BlockKind::Command;
                section.has_command |= block.kind == BlockKind::Command;
                // Most sections hold one block (and blocks are large): room for just that
                // one, rather than the four a vector's first growth makes.
                if section.blocks.capacity() == 0 {
                    section.blocks.reserve_exact(1);
                }
                section.blocks.push(block);
            }
            Event::Start(Tag::HtmlBlock) => {
                html = Some((Cow::Borrowed(""), OffsetMap::default()));
            }
            Event::Html(piece) => {
                if let Some((buffer, pieces)) = html.as_mut() {
                    pieces.push(buffer.len(), span.start);
                    if buffer.is_empty() {
                        // Most blocks are one piece, read where it is, without a copy.
                        *buffer = piece.into();
                    } else {
                        buffer.to_mut().push_str(&piece);
                    }
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((buffer, pieces)) = html.take() {
                    let has_markup = annotations(
                        &buffer,
                        &pieces,
                        &mut section,
                        &mut pending_choose,
                        &mut diagnostics,
                    );
                    if has_markup {
                        mark_content(&mut section, span.start);
                    }
                }
            }
            Event::InlineHtml(piece) => {
                annotations(
                    &blank_quote_markers(&piece),
                    &OffsetMap::starting_at(span.start),
                    &mut section,
                    &mut pending_choose,
                    &mut diagnostics,
                );
            }
            Event::Start(Tag::List(_)) => {
                mark_content(&mut section, span.start);
                if let Some(pending) = pending_choose.take() {
                    open_decision = Some(OpenDecision {
                        decision: pending,
                        list_depth: depth,
                    });
                }
                depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                depth = depth.saturating_sub(1);
                if open_decision
                    .as_ref()
                    .is_some_and(|open| open.list_depth == depth)
                {
                    if let Some(open) = open_decision.take() {
                        section.decision = Some(open.decision);
                    }
                }
            }
            Event::Start(Tag::Item) => {
                section.output_may_follow = false;
                items.push(Item {
                    start: span.start,
                    task: None,
                    text: spare_texts.pop().unwrap_or_default(),
                    links: Vec::new(),
                });
                depth += 1;
            }
            Event::End(TagEnd::Item) => {
                depth = depth.saturating_sub(1);
                let Some(item) = items.pop() else { continue };
                let is_choice = open_decision
                    .as_ref()
                    .is_some_and(|open| open.list_depth + 1 == depth);
                let mut buffer = item.text;
                let mut text = buffer.trim().to_string();
                buffer.clear();
                spare_texts.push(buffer);
                if let Some(checked) = item.task {
                    let line = source.position(item.start).line;
                    section.checks.push(Check {
                        // A task that is also a choice keeps its text for both.
                        text: if is_choice {
                            text.clone()
                        } else {
                            std::mem::take(&mut text)
                        },
                        checked,
                        line,
                        span: Span::new(item.start, span.end),
                    });
                }
                if let Some(open) = open_decision.as_mut() {
                    if is_choice {
                        open.decision.items.push(RawChoice {
                            label: text,
                            span: Span::new(item.start, span.end),
                            targets: item.links,
                        });
                    } else if let Some(parent) = items.last_mut() {
                        // A nested item's links count for the choice that holds it.
                        parent.links.extend(item.links);
                    }
                }
            }
            Event::TaskListMarker(checked) => {
                if let Some(item) = items.last_mut() {
                    item.task = Some(checked);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let (Some(item), Some(anchor)) = (items.last_mut(), dest_url.strip_prefix('#')) {
                    item.links.push(anchor.to_string());
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                mark_content(&mut section, span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
            Event::End(TagEnd::FootnoteDefinition) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Paragraph) => {
                let in_item = !items.is_empty();
                // The paragraphs of one list item read as one text, a space apart.
                if let Some(item) = items.last_mut() {
                    if !item.text.is_empty() && !item.text.ends_with(' ') {
                        item.text.push(' ');
                    }
                }
                mark_content(&mut section, span.start);
                if !in_item {
                    take_pending_choose(&mut pending_choose, &mut diagnostics);
                }
            }
            Event::Start(Tag::Table(_)) | Event::Rule | Event::DisplayMath(_) => {
                section.output_may_follow = false;
                mark_content(&mut section, span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
            }
            _ => {}
        }
    }
    if let Some(raw) = code.take() {
        // Defensive: pulldown-cmark always closes blocks, but never lose one.
        let around = Neighbourhood {
            previous_is_command: false,
            default_shell: "bash",
        };
        let mut block = build(raw, &source, around, &mut scratch, &mut diagnostics);
        definitions.read(&mut block);
        section.has_command |= block.kind == BlockKind::Command;
        section.blocks.push(block);
    }
    if let Some(open) = open_decision.take() {
        section.decision = Some(open.decision);
    }
    take_pending_choose(&mut pending_choose, &mut diagnostics);
    section.body_end = text.len();
    close(
        section,
        None,
        &mut intro,
        &mut steps,
        &source,
        &mut diagnostics,
    );

    let title = front_matter
        .title
        .clone()
        .or(title_heading)
        .or(first_h1)
        .unwrap_or_else(|| file_stem(source.path()));
    let (steps, facts, top_anchors) = steps.complete(&title);
    let params = front_matter.params.clone();
    let runbook = Runbook {
        title,
        path: source.path().to_string(),
        summary: front_matter.summary.clone(),
        start: None,
        params,
        front_matter,
        steps,
        diagnostics,
        intro,
        top_anchors,
        source,
    };
    (runbook, facts)
}

fn file_stem(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".to_string())
}

/// Makes a step of a section that a heading (of `next_level`) or the end of the runbook
/// closed; the introduction's extent is kept.
fn close(
    section: Section,
    next_level: Option<u8>,
    intro: &mut Span,
    steps: &mut Steps,
    source: &Source,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if section.heading.is_none() {
        *intro = Span::new(section.body_start, section.body_end);
    }
    steps.push(section, next_level, source, diagnostics);
}

fn mark_content(section: &mut Section, at: usize) {
    section.has_content = true;
    section.first_content.get_or_insert(at);
}

/// Inline HTML that spans lines inside a block quote still holds the quote's `>` markers
/// on its later lines; they are blanked (same length, so offsets hold) before reading it.
fn blank_quote_markers(html: &str) -> Cow<'_, str> {
    if !html.contains('\n') {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    for (index, line) in html.split_inclusive('\n').enumerate() {
        let markers = if index == 0 {
            0
        } else {
            line.len() - line.trim_start_matches([' ', '\t', '>']).len()
        };
        out.extend(std::iter::repeat_n(' ', markers));
        out.push_str(&line[markers..]);
    }
    Cow::Owned(out)
}

/// A `choose` annotation must be followed by a list; anything else ends the wait.
fn take_pending_choose(pending: &mut Option<RawDecision>, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(decision) = pending.take() {
        diagnostics.push(
            Diagnostic::warning(
                Code::InvalidDecision,
                decision.span,
                "`choose` is not followed by a list of choices",
            )
            .with_help("put a bullet list right under it, one `[label](#step-id)` link per item"),
        );
    }
}

/// Reads `<!-- cairn: ... -->` comments in an HTML fragment. Returns true when the fragment
/// holds anything besides comments (it is then content of the section).
fn annotations(
    html: &str,
    pieces: &OffsetMap,
    section: &mut Section,
    pending_choose: &mut Option<RawDecision>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let source_offset = |offset: usize| pieces.map(offset).unwrap_or(0);
    let mut rest_has_markup = false;
    let mut at = 0;
    // Fragments are short (mostly one comment): jumping between the needle's first bytes
    // costs less than setting up a substring searcher for each.
    let find = |needle: &str, from: usize| {
        let haystack = &html.as_bytes()[from..];
        memchr::memchr_iter(needle.as_bytes()[0], haystack)
            .find(|&at| haystack[at..].starts_with(needle.as_bytes()))
    };
    loop {
        let Some(open) = find("<!--", at) else {
            rest_has_markup |= !html[at..].trim().is_empty();
            break;
        };
        let open = at + open;
        rest_has_markup |= !html[at..open].trim().is_empty();
        let body_start = open + 4;
        let close = find("-->", body_start).map_or(html.len(), |n| body_start + n);
        let body = &html[body_start..close];
        at = (close + 3).min(html.len());
        let trimmed = body.trim_start();
        let Some(rest) = trimmed.strip_prefix("cairn:") else {
            continue;
        };
        let rest_offset = body_start + (body.len() - trimmed.len()) + "cairn:".len();
        let comment_span = Span::new(source_offset(open), source_offset(at));
        match parse_pairs(rest, source_offset(rest_offset), false) {
            Ok((attrs, _)) => {
                let mut annotation_diagnostics = Vec::new();
                let choose =
                    step_annotation(attrs, &mut section.options, &mut annotation_diagnostics);
                diagnostics.extend(annotation_diagnostics);
                if section.heading.is_none() {
                    section.annotation_spans.push(comment_span);
                }
                if let Some(choose) = choose {
                    let prompt = Some(choose.into_text()).filter(|text| text != "true");
                    *pending_choose = Some(RawDecision {
                        prompt,
                        span: comment_span,
                        items: Vec::new(),
                    });
                }
            }
            Err(error) => diagnostics.push(
                Diagnostic::error(Code::InvalidAttributes, error.span, error.message).with_help(
                    "write annotations as `<!-- cairn: key=value key2=\"with spaces\" flag -->`",
                ),
            ),
        }
    }
    rest_has_markup
}
