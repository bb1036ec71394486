//! From sections to steps: the collected content of each heading becomes a `Step` with its
//! id, kind (step, group or read), parent and phase; the introduction becomes the implicit
//! `main` step when it holds something to run or tick; per-step checks (duplicate block
//! names, destructive blocks without confirmation) run here, where the step's own
//! annotations are known.
//!
//! Sections arrive one at a time, as the walk closes them: the walk keeps no list of them.
//! While a step is fresh, the steps before it that simply go on to the next one get their
//! edge to it, and what the graph needs of it is noted (`StepFacts`), so that linking the
//! whole runbook afterwards reads few steps again.

use rustc_hash::FxHashSet as HashSet;

use super::diagnostic::{Code, Diagnostic};
use super::graph::{id_hash, StepFacts};
use super::model::{
    Block, BlockKind, Choice, Decision, Edge, EdgeWhen, Phase, Step, StepKind, END,
};
use super::options::{guess_phase, StepOptions};
use super::source::{Source, Span};
use super::walk::{Heading, Section};

/// The steps made so far, and what making the next ones needs to know.
#[derive(Debug, Default)]
pub(super) struct Steps {
    steps: Vec<Step>,
    /// (level, step index) of the open headings, for parents.
    parents: Vec<(u8, usize)>,
    /// Anchors that lead to the top of the runbook.
    top_anchors: Vec<String>,
    /// Some heading's anchor is `main`: the implicit step is then `main-0`.
    main_taken: bool,
    /// The first step is the implicit one: it is named when the runbook's title is known.
    has_implicit: bool,
    /// Steps that go on to the next walkable step, which has not been made yet. Their edge
    /// is added when it is, while its id is still in the cache (the graph, which resolves
    /// every other edge, comes when the whole runbook is read).
    waiting: Vec<usize>,
    /// What linking needs to know of each step, gathered while it is in the cache.
    facts: Vec<StepFacts>,
}

impl Steps {
    /// Turns a closed section into a step. `next_level` is the level of the heading that
    /// closed it (`None` at the end of the runbook).
    pub(super) fn push(
        &mut self,
        mut section: Section,
        next_level: Option<u8>,
        source: &Source,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        match section.heading.take() {
            Some(heading) => self.push_heading(heading, section, next_level, source, diagnostics),
            // The introduction is closed by the first heading, or by the end of a runbook
            // that has none.
            None => self.push_intro(section, next_level.is_none(), source, diagnostics),
        }
    }

    fn push_intro(
        &mut self,
        mut section: Section,
        no_headings: bool,
        source: &Source,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let has_work = section.has_command || !section.checks.is_empty();
        let keep = if no_headings {
            section.has_content || section.decision.is_some()
        } else {
            has_work
        };
        if keep {
            let at = section.first_content.unwrap_or(section.body_start);
            // Named in `complete`, once the title and every heading's anchor are known.
            let identity = Identity {
                id: String::new(),
                anchor: String::new(),
                title: String::new(),
                level: 0,
                line: source.position(at).line,
                parent: None,
            };
            let heading_start = section.body_start;
            let step = finish(
                identity,
                heading_start,
                section,
                has_work,
                false,
                source,
                diagnostics,
            );
            self.push_step(step);
            self.has_implicit = true;
            return;
        }
        self.top_anchors.append(&mut section.inner_anchors);
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
        if no_headings {
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

    fn push_heading(
        &mut self,
        heading: Heading,
        section: Section,
        next_level: Option<u8>,
        source: &Source,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let has_work = section.has_command || !section.checks.is_empty();
        self.main_taken |= heading.anchor == "main";
        while self
            .parents
            .last()
            .is_some_and(|&(level, _)| level >= heading.level)
        {
            self.parents.pop();
        }
        let parent = self
            .parents
            .last()
            .and_then(|&(_, index)| self.steps.get(index));
        let parent_id = parent.map(|step| step.id.clone());
        let parent_phase = parent.and_then(|step| step.phase);
        let next_is_child = next_level.is_some_and(|level| level > heading.level);
        let is_group = !section.has_content && section.decision.is_none() && next_is_child;
        let line = source.position(heading.span.start).line;
        let (id, anchor) = match &section.options.id {
            Some((id, _)) => (id.clone(), heading.anchor),
            None => (heading.anchor.clone(), heading.anchor),
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
            step.phase = parent_phase;
        }
        self.parents.push((heading.level, self.steps.len()));
        self.push_step(step);
    }

    /// Adds a step, which is where the steps waiting for the next walkable one go on to.
    fn push_step(&mut self, step: Step) {
        let index = self.steps.len();
        let facts = StepFacts::of(&step);
        if !facts.group {
            // The implicit step is named later, but it comes first: no step waits for it.
            for &waiting in &self.waiting {
                self.steps[waiting].next.push(default_edge(step.id.clone()));
            }
            self.waiting.clear();
            if facts.goes_on {
                self.waiting.push(index);
            }
        }
        self.facts.push(facts);
        self.steps.push(step);
    }

    /// The steps, with the implicit one named after the runbook's `title`; what linking
    /// needs to know of each; the anchors that lead to the top of the runbook.
    pub(super) fn complete(mut self, title: &str) -> (Vec<Step>, Vec<StepFacts>, Vec<String>) {
        if self.has_implicit {
            if let (Some(step), Some(facts)) = (self.steps.first_mut(), self.facts.first_mut()) {
                let id = if self.main_taken { "main-0" } else { "main" };
                facts.id_hash = id_hash(id);
                step.id = id.to_string();
                step.anchor = id.to_string();
                step.title = title.to_string();
                step.phase = phase(&step.options, &step.title);
            }
        }
        // The last walkable steps go on to the end.
        for &waiting in &self.waiting {
            self.steps[waiting].next.push(default_edge(END.to_string()));
        }
        (self.steps, self.facts, self.top_anchors)
    }
}

/// The edge to the step that comes next in the runbook.
fn default_edge(to: String) -> Edge {
    Edge {
        to,
        when: EdgeWhen::Default,
        label: None,
        block: None,
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
    // A name can repeat only when two blocks have one; most steps have fewer.
    let named = section
        .blocks
        .iter()
        .filter(|block| block.options.name.is_some())
        .count();
    let mut names: HashSet<&str> = HashSet::default();
    for block in &section.blocks {
        if let Some(name) = block.options.name.as_deref().filter(|_| named > 1) {
            if !names.insert(name) {
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
    let phase = phase(&section.options, &title);
    let mut blocks = section.blocks;
    // Blocks are large and a step has few: a vector's first growth (room for four) would
    // leave most of its memory unused for the runbook's lifetime. Shrinking is in place.
    blocks.shrink_to_fit();
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
        blocks,
        decision,
        next: Vec::new(),
        heading: Span::at(heading_start),
        body: Span::new(section.body_start, section.body_end.max(section.body_start)),
        inner_anchors: section.inner_anchors,
    }
}

/// The phase a step's annotation gives, or else the one its title suggests.
fn phase(options: &StepOptions, title: &str) -> Option<Phase> {
    options.phase.or_else(|| guess_phase(title))
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
