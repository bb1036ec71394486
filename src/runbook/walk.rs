//! The Markdown walk: one pass over pulldown-cmark's events (with byte offsets) that cuts the
//! document into the title, the introduction and one section per top-level heading, and
//! collects each section's code blocks, task-list checks, annotations and decision lists.
//! Structure comes from events, never from re-reading accumulated text.

use rustc_hash::FxHashSet as HashSet;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::attrs::parse_pairs;
use super::block::{build, RawBlock};
use super::classify::Neighbourhood;
use super::diagnostic::{Code, Diagnostic};
use super::front_matter;
use super::model::{Block, BlockKind, Check, Choice, Decision, Fence, Runbook, Step, StepKind};
use super::options::{guess_phase, step_annotation, StepOptions};
use super::slug::Slugger;
use super::source::{OffsetMap, Source, Span};

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
struct Section {
    /// None for the introduction.
    heading: Option<Heading>,
    body_start: usize,
    body_end: usize,
    /// The first content's offset (for the implicit step's line).
    first_content: Option<usize>,
    blocks: Vec<Block>,
    checks: Vec<Check>,
    options: StepOptions,
    annotation_spans: Vec<Span>,
    decision: Option<RawDecision>,
    has_content: bool,
    /// Some block of the section is a command (kept here so that deciding the step's kind
    /// does not walk the blocks again).
    has_command: bool,
    /// The last block is a command and nothing but prose followed it: an untagged block
    /// here is that command's output. A new list item or table breaks the link.
    output_may_follow: bool,
}

#[derive(Debug)]
struct Heading {
    level: u8,
    title: String,
    anchor: String,
    span: Span,
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

pub fn walk(source: Source) -> Runbook {
    let mut diagnostics = Vec::new();
    let (front_matter, body_start) = front_matter::parse(&source, &mut diagnostics);
    let text = source.text();
    let body = &text[body_start..];

    let mut slugger = Slugger::default();
    let mut sections: Vec<Section> = vec![Section {
        body_start,
        ..Section::default()
    }];
    let mut first_h1: Option<String> = None;
    let mut title_heading: Option<String> = None;
    let mut seen_heading = false;

    // Containers around the current event: block quotes, lists and list items.
    let mut depth = 0usize;
    let mut heading: Option<(u8, usize, String, bool)> = None; // level, start, text, top level
    let mut code: Option<RawBlock> = None;
    let mut html: Option<(String, OffsetMap)> = None;
    let mut items: Vec<Item> = Vec::new();
    let mut pending_choose: Option<RawDecision> = None;
    let mut open_decision: Option<OpenDecision> = None;

    let parser = Parser::new_ext(body, markdown_options()).into_offset_iter();
    for (event, range) in parser {
        let span = Span::new(body_start + range.start, body_start + range.end);
        let section_index = sections.len() - 1;
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, span.start, String::new(), depth == 0));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, title, top_level)) = heading.take() else {
                    continue;
                };
                let title = title.trim().to_string();
                let anchor = slugger.anchor(&title);
                if level == 1 && first_h1.is_none() {
                    first_h1 = Some(title.clone());
                }
                let is_title = level == 1 && !seen_heading && top_level;
                seen_heading = true;
                let heading_span = Span::new(start, start + text[start..span.end].trim_end().len());
                if is_title {
                    title_heading = Some(title);
                    let intro_section = &mut sections[0];
                    intro_section.body_start = span.end;
                    continue;
                }
                if !top_level {
                    sections[section_index].has_content = true;
                    continue;
                }
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                sections[section_index].body_end = start;
                sections.push(Section {
                    heading: Some(Heading {
                        level,
                        title,
                        anchor,
                        span: heading_span,
                    }),
                    body_start: span.end,
                    ..Section::default()
                });
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
                if let Some(item) = items.last_mut() {
                    item.text.push(' ');
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let section = &mut sections[section_index];
                mark_content(section, span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                let (fence, info) = match kind {
                    CodeBlockKind::Indented => (Fence::Indented, None),
                    CodeBlockKind::Fenced(_) => fence_and_info(text, span),
                };
                code = Some(RawBlock {
                    span,
                    fence,
                    info,
                    content: String::new(),
                    pieces: OffsetMap::default(),
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some(mut raw) = code.take() else { continue };
                raw.span = span;
                if raw.fence != Fence::Indented {
                    check_closed(text, &raw, &mut diagnostics);
                }
                let section = &mut sections[section_index];
                let previous_command = section
                    .blocks
                    .iter()
                    .rposition(|block| block.kind == BlockKind::Command);
                let previous_is_command = section.output_may_follow;
                let around = Neighbourhood {
                    previous_is_command,
                    default_shell: front_matter.shell.as_deref().unwrap_or("bash"),
                };
                let mut block = build(raw, &source, around, &mut diagnostics);
                if block.kind == BlockKind::Output {
                    block.output_of = previous_command.filter(|_| previous_is_command);
                }
                section.output_may_follow = block.kind == BlockKind::Command;
                section.has_command |= block.kind == BlockKind::Command;
                section.blocks.push(block);
            }
            Event::Start(Tag::HtmlBlock) => {
                html = Some((String::new(), OffsetMap::default()));
            }
            Event::Html(piece) => {
                if let Some((buffer, pieces)) = html.as_mut() {
                    pieces.push(buffer.len(), span.start);
                    buffer.push_str(&piece);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((buffer, pieces)) = html.take() {
                    let section = &mut sections[section_index];
                    let has_markup = annotations(
                        &buffer,
                        &pieces,
                        section,
                        &mut pending_choose,
                        &mut diagnostics,
                    );
                    if has_markup {
                        mark_content(section, span.start);
                    }
                }
            }
            Event::InlineHtml(piece) => {
                let section = &mut sections[section_index];
                annotations(
                    &piece,
                    &OffsetMap::starting_at(span.start),
                    section,
                    &mut pending_choose,
                    &mut diagnostics,
                );
            }
            Event::Start(Tag::List(_)) => {
                mark_content(&mut sections[section_index], span.start);
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
                        sections[section_index].decision = Some(open.decision);
                    }
                }
            }
            Event::Start(Tag::Item) => {
                sections[section_index].output_may_follow = false;
                items.push(Item {
                    start: span.start,
                    task: None,
                    text: String::new(),
                    links: Vec::new(),
                });
                depth += 1;
            }
            Event::End(TagEnd::Item) => {
                depth = depth.saturating_sub(1);
                let Some(item) = items.pop() else { continue };
                if let Some(checked) = item.task {
                    let line = source.position(item.start).line;
                    sections[section_index].checks.push(Check {
                        text: item.text.trim().to_string(),
                        checked,
                        line,
                        span: Span::new(item.start, span.end),
                    });
                }
                if let Some(open) = open_decision.as_mut() {
                    if open.list_depth + 1 == depth {
                        open.decision.items.push(RawChoice {
                            label: item.text.trim().to_string(),
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
                mark_content(&mut sections[section_index], span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
                depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
            Event::End(TagEnd::FootnoteDefinition) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Paragraph) => {
                let in_item = !items.is_empty();
                mark_content(&mut sections[section_index], span.start);
                if !in_item {
                    take_pending_choose(&mut pending_choose, &mut diagnostics);
                }
            }
            Event::Start(Tag::Table(_)) | Event::Rule | Event::DisplayMath(_) => {
                sections[section_index].output_may_follow = false;
                mark_content(&mut sections[section_index], span.start);
                take_pending_choose(&mut pending_choose, &mut diagnostics);
            }
            _ => {}
        }
    }
    if let Some(raw) = code.take() {
        // Defensive: pulldown-cmark always closes blocks, but never lose one.
        let section = sections.len() - 1;
        let around = Neighbourhood {
            previous_is_command: false,
            default_shell: "bash",
        };
        let block = build(raw, &source, around, &mut diagnostics);
        sections[section].has_command |= block.kind == BlockKind::Command;
        sections[section].blocks.push(block);
    }
    if let Some(open) = open_decision.take() {
        let last = sections.len() - 1;
        sections[last].decision = Some(open.decision);
    }
    take_pending_choose(&mut pending_choose, &mut diagnostics);
    if let Some(last) = sections.last_mut() {
        last.body_end = text.len();
    }
    let intro = Span::new(sections[0].body_start, sections[0].body_end);

    let title = front_matter
        .title
        .clone()
        .or(title_heading)
        .or(first_h1)
        .unwrap_or_else(|| file_stem(source.path()));
    let mut steps = into_steps(sections, &title, &source, &mut diagnostics);
    mark_undefined(&mut steps, &front_matter);
    let params = front_matter.params.clone();
    Runbook {
        title,
        path: source.path().to_string(),
        summary: front_matter.summary.clone(),
        start: None,
        params,
        front_matter,
        steps,
        diagnostics,
        intro,
        source,
    }
}

fn file_stem(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".to_string())
}

fn mark_content(section: &mut Section, at: usize) {
    section.has_content = true;
    section.first_content.get_or_insert(at);
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
    loop {
        let Some(open) = html[at..].find("<!--") else {
            rest_has_markup |= !html[at..].trim().is_empty();
            break;
        };
        let open = at + open;
        rest_has_markup |= !html[at..open].trim().is_empty();
        let body_start = open + 4;
        let close = html[body_start..]
            .find("-->")
            .map_or(html.len(), |n| body_start + n);
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
                    step_annotation(&attrs, &mut section.options, &mut annotation_diagnostics);
                diagnostics.extend(annotation_diagnostics);
                section.annotation_spans.push(comment_span);
                if choose {
                    let prompt = attrs
                        .get("choose")
                        .map(|attr| attr.text())
                        .filter(|text| text != "true");
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

/// The fence style and the info string (text and offset) of a fenced block at `span`.
fn fence_and_info(text: &str, span: Span) -> (Fence, Option<(String, usize)>) {
    let first_line_end = text[span.start..]
        .find('\n')
        .map_or(text.len(), |n| span.start + n);
    let line = &text[span.start..first_line_end];
    let fence_start = line.find(['`', '~']).unwrap_or(0);
    let fence_char = line[fence_start..].chars().next().unwrap_or('`');
    let run = line[fence_start..]
        .find(|c: char| c != fence_char)
        .unwrap_or(line.len() - fence_start);
    let info_start = span.start + fence_start + run;
    let info = text[info_start..first_line_end].trim_end_matches('\r');
    let fence = if fence_char == '~' {
        Fence::Tilde
    } else {
        Fence::Backtick
    };
    let info = (!info.trim().is_empty()).then(|| (info.to_string(), info_start));
    (fence, info)
}

/// Warns when a fenced block has no closing fence (it then runs to the end of its container).
fn check_closed(text: &str, raw: &RawBlock, diagnostics: &mut Vec<Diagnostic>) {
    let block_text = text.get(raw.span.range()).unwrap_or("");
    let mut lines = block_text.lines();
    let Some(first) = lines.next() else { return };
    let opening = first
        .trim_start_matches([' ', '\t', '>'])
        .trim_start_matches(|c: char| {
            c.is_ascii_digit()
                || c == '.'
                || c == ')'
                || c == '-'
                || c == '*'
                || c == '+'
                || c == ' '
        });
    let fence_char = if raw.fence == Fence::Tilde { '~' } else { '`' };
    let opening_run = opening
        .find(|c: char| c != fence_char)
        .unwrap_or(opening.len())
        .max(3);
    let closed = lines.last().is_some_and(|last| {
        let last = last.trim_start_matches([' ', '\t', '>']).trim_end();
        let run = last.find(|c: char| c != fence_char).unwrap_or(last.len());
        run >= opening_run && last[run..].trim().is_empty()
    });
    if !closed {
        let first_line_end = block_text.find('\n').unwrap_or(block_text.len());
        let to_eof = text[raw.span.end..].trim().is_empty();
        diagnostics.push(
            Diagnostic::warning(
                Code::UnclosedFence,
                Span::new(
                    raw.span.start,
                    raw.span.start + first_line_end.min(first.trim_end().len()),
                ),
                format!(
                    "this code block is never closed, so it runs to the end of {}",
                    if to_eof {
                        "the file"
                    } else {
                        "its list item or quote"
                    }
                ),
            )
            .with_help(format!(
                "add a closing fence line ({}) where the block should end",
                fence_char.to_string().repeat(opening_run)
            )),
        );
    }
}

/// Turns the collected sections into steps: ids, kinds, parents, phases; the introduction
/// becomes the implicit `main` step when it holds something to run or tick.
fn into_steps(
    sections: Vec<Section>,
    title: &str,
    source: &Source,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Step> {
    let heading_levels: Vec<Option<u8>> = sections
        .iter()
        .map(|s| s.heading.as_ref().map(|h| h.level))
        .collect();
    // The implicit step is `main` unless a heading already has that anchor.
    let main_taken = sections
        .iter()
        .any(|s| s.heading.as_ref().is_some_and(|h| h.anchor == "main"));
    let no_headings = sections.len() == 1;
    let mut steps = Vec::with_capacity(sections.len());
    // (level, step index) of the open headings, for parents.
    let mut parents: Vec<(u8, usize)> = Vec::new();
    for (index, mut section) in sections.into_iter().enumerate() {
        let has_work = section.has_command || !section.checks.is_empty();
        let Some(heading) = section.heading.take() else {
            let keep = if no_headings {
                section.has_content || section.decision.is_some()
            } else {
                has_work
            };
            if keep {
                let id = if main_taken {
                    "main-0".to_string()
                } else {
                    "main".to_string()
                };
                let at = section.first_content.unwrap_or(section.body_start);
                let identity = Identity {
                    id: id.clone(),
                    anchor: id,
                    title: title.to_string(),
                    level: 0,
                    line: source.position(at).line,
                    parent: None,
                };
                steps.push(finish(
                    identity,
                    section.body_start,
                    section,
                    has_work,
                    false,
                    source,
                    diagnostics,
                ));
            } else {
                for span in &section.annotation_spans {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::MisplacedAnnotation,
                            *span,
                            "this annotation is outside any step, so it applies to nothing",
                        )
                        .with_help("move it under the heading of the step it is for"),
                    );
                }
                if no_headings || (steps.is_empty() && index + 1 == heading_levels.len()) {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::EmptyRunbook,
                            Span::at(section.body_start.min(source.text().len())),
                            "this runbook has no steps",
                        )
                        .with_help("add a `## Step` heading with a ```bash block under it"),
                    );
                }
            }
            continue;
        };
        while parents
            .last()
            .is_some_and(|&(level, _)| level >= heading.level)
        {
            parents.pop();
        }
        let parent = parents.last().map(|&(_, step)| step);
        let next_is_child = heading_levels
            .get(index + 1)
            .copied()
            .flatten()
            .is_some_and(|level| level > heading.level);
        let is_group = !section.has_content && section.decision.is_none() && next_is_child;
        let line = source.position(heading.span.start).line;
        let parent_id = parent.map(|step: usize| {
            steps
                .get(step)
                .map(|s: &Step| s.id.clone())
                .unwrap_or_default()
        });
        let (id, anchor) = match &section.options.id {
            Some((id, _)) => (id.clone(), heading.anchor.clone()),
            None => (heading.anchor.clone(), heading.anchor.clone()),
        };
        let identity = Identity {
            id,
            anchor,
            title: heading.title,
            level: heading.level,
            line,
            parent: parent_id,
        };
        let mut step = finish(
            identity,
            heading.span.start,
            section,
            has_work,
            is_group,
            source,
            diagnostics,
        );
        step.heading = heading.span;
        // Steps under `## Mitigation` are mitigation steps unless they say otherwise.
        if step.phase.is_none() {
            step.phase = parent
                .and_then(|index| steps.get(index))
                .and_then(|p: &Step| p.phase);
        }
        parents.push((heading.level, steps.len()));
        steps.push(step);
    }
    steps
}

/// Fills in each command block's `undefined`: the variables it reads that no param, no
/// front-matter `env` and no earlier block (in document order) defines.
fn mark_undefined(steps: &mut [Step], front_matter: &front_matter::FrontMatter) {
    let mut defined: HashSet<String> = front_matter
        .params
        .iter()
        .map(|param| param.name.clone())
        .chain(front_matter.env.iter().map(|(name, _)| name.clone()))
        .collect();
    for block in steps.iter_mut().flat_map(|step| step.blocks.iter_mut()) {
        if block.kind != BlockKind::Command {
            continue;
        }
        block.undefined = block
            .variables
            .iter()
            .filter(|name| !defined.contains(*name))
            .cloned()
            .collect();
        defined.extend(block.defines.iter().cloned());
        defined.extend(block.prompt_env.iter().map(|prompt| prompt.name.clone()));
    }
}

/// Who a step is: the parts that come from its heading.
struct Identity {
    id: String,
    anchor: String,
    title: String,
    level: u8,
    line: usize,
    parent: Option<String>,
}

fn finish(
    identity: Identity,
    heading_start: usize,
    section: Section,
    has_work: bool,
    is_group: bool,
    source: &Source,
    diagnostics: &mut Vec<Diagnostic>,
) -> Step {
    let Identity {
        id,
        anchor,
        title,
        level,
        line,
        parent,
    } = identity;
    let kind = if is_group {
        StepKind::Group
    } else if has_work {
        StepKind::Step
    } else {
        StepKind::Read
    };
    let mut names = HashSet::default();
    for block in &section.blocks {
        if let Some(name) = &block.options.name {
            if !names.insert(name.clone()) {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::DuplicateBlockName,
                        block_blame(source, block),
                        format!("another block of this step is already named `{name}`"),
                    )
                    .with_help("give each block of a step its own name"),
                );
            }
        }
        if let Some(reason) = &block.destructive {
            let confirmed = block.options.confirm.is_some()
                || block.options.danger
                || section.options.confirm.is_some();
            if !confirmed && block.kind == BlockKind::Command {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::DestructiveWithoutConfirm,
                        block_blame(source, block),
                        format!("this block is destructive (`{reason}`) but does not ask for confirmation"),
                    )
                    .with_help("add `{ confirm }` (or `confirm=\"message\"`) to the block, or `<!-- cairn: confirm -->` to the step"),
                );
            }
        }
    }
    let decision = section.decision.map(|raw| Decision {
        prompt: raw.prompt,
        line: source.position(raw.span.start).line,
        span: raw.span,
        choices: raw
            .items
            .into_iter()
            .map(|item| Choice {
                label: item.label,
                to: String::new(),
                line: source.position(item.span.start).line,
                targets: item.targets,
                span: item.span,
            })
            .collect(),
    });
    let phase = section.options.phase.or_else(|| guess_phase(&title));
    Step {
        id,
        anchor,
        title,
        level,
        line,
        kind,
        phase,
        parent,
        options: section.options,
        checks: section.checks,
        blocks: section.blocks,
        decision,
        next: Vec::new(),
        heading: Span::at(heading_start),
        body: Span::new(section.body_start, section.body_end.max(section.body_start)),
    }
}

/// The first line of a block: what a diagnostic about the whole block points at.
fn block_blame(source: &Source, block: &Block) -> Span {
    let text = source.slice(block.span);
    let first_line = text.find('\n').unwrap_or(text.len());
    Span::new(
        block.span.start,
        block.span.start + text[..first_line].trim_end().len(),
    )
}
