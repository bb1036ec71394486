//! From sections to steps: the collected content of each heading becomes a `Step` with its
//! id, kind (step, group or read), parent and phase; the introduction becomes the implicit
//! `main` step when it holds something to run or tick; per-step checks (duplicate block
//! names, destructive blocks without confirmation) run here, where the step's own
//! annotations are known.

use rustc_hash::FxHashSet as HashSet;

use super::diagnostic::{Code, Diagnostic};
use super::front_matter::FrontMatter;
use super::model::{Block, BlockKind, Choice, Decision, Step, StepKind};
use super::options::guess_phase;
use super::source::{Source, Span};
use super::walk::Section;

/// Turns the collected sections into steps: ids, kinds, parents, phases; the introduction
/// becomes the implicit `main` step when it holds something to run or tick. Also returns the
/// anchors that lead to the top of the runbook.
pub(super) fn into_steps(
    sections: Vec<Section>,
    title: &str,
    source: &Source,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Step>, Vec<String>) {
    let mut top_anchors = Vec::new();
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
                top_anchors.append(&mut section.inner_anchors);
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
    (steps, top_anchors)
}

/// Fills in each command block's `undefined`: the variables it reads that no param, no
/// front-matter `env` and no earlier block (in document order) defines.
pub(super) fn mark_undefined(steps: &mut [Step], front_matter: &FrontMatter) {
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
        inner_anchors: section.inner_anchors,
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
