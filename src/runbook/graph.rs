//! The step graph: resolves every edge (default order, `next=`, `on_ok` / `on_fail`,
//! decisions) to a step id or `end`, and validates the whole: unknown targets and duplicate
//! ids are errors, unreachable steps are warnings, loops are noted.

use std::collections::HashMap;

use super::diagnostic::{Code, Diagnostic};
use super::model::{Edge, EdgeWhen, Runbook, Step, END};
use super::source::Span;
use super::suggest::closest;

/// Where an edge leads, in step indices (`None` is the end of the walk).
type Target = Option<usize>;

struct Lookup {
    by_id: HashMap<String, usize>,
    by_anchor: HashMap<String, usize>,
    /// For each step, the first walkable (non-group) step at or after it.
    walkable_from: Vec<Target>,
}

impl Lookup {
    fn new(steps: &[Step]) -> Self {
        let mut by_id = HashMap::with_capacity(steps.len());
        let mut by_anchor = HashMap::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            by_id.entry(step.id.clone()).or_insert(index);
            by_anchor.entry(step.anchor.clone()).or_insert(index);
        }
        let mut walkable_from = vec![None; steps.len()];
        let mut next: Target = None;
        for index in (0..steps.len()).rev() {
            if !steps[index].is_group() {
                next = Some(index);
            }
            walkable_from[index] = next;
        }
        Lookup {
            by_id,
            by_anchor,
            walkable_from,
        }
    }

    /// Resolves a target as written (`promote`, `#promote`, `end`); `Err` when unknown.
    fn resolve(&self, target: &str) -> Result<Target, ()> {
        let target = target.trim().trim_start_matches('#');
        if target == END {
            return Ok(None);
        }
        let index = self
            .by_id
            .get(target)
            .or_else(|| self.by_anchor.get(target))
            .copied()
            .ok_or(())?;
        Ok(self.walkable_from[index])
    }
}

pub fn link(runbook: &mut Runbook) {
    let mut diagnostics = Vec::new();
    check_duplicate_ids(&runbook.steps, &mut diagnostics);
    let lookup = Lookup::new(&runbook.steps);
    let ids: Vec<String> = runbook.steps.iter().map(|step| step.id.clone()).collect();
    let id_of = |target: Target| target.map_or(END.to_string(), |index| ids[index].clone());
    let unknown = |written: &str, span: Span, what: &str| {
        let known: Vec<&str> = ids.iter().map(String::as_str).collect();
        let written = written.trim_start_matches('#');
        let diagnostic = Diagnostic::error(
            Code::UnknownTarget,
            span,
            format!("{what} `{written}`, but no step has that id"),
        );
        match closest(written, &known) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => diagnostic
                .with_help("use a step id (the heading's GitHub anchor, or its `id=`), or `end`"),
        }
    };

    // (from, to, span of what made the edge): for reachability and loops.
    let mut graph: Vec<Vec<(usize, Span)>> = vec![Vec::new(); runbook.steps.len()];
    // Indexed: each step is read, then written back at the end of its iteration.
    #[allow(clippy::needless_range_loop)]
    for index in 0..runbook.steps.len() {
        let step = &runbook.steps[index];
        if step.is_group() {
            continue;
        }
        let mut edges = Vec::new();
        let mut push = |edges: &mut Vec<Edge>, target: Target, when, label, block, span| {
            if let Some(to) = target {
                graph[index].push((to, span));
            }
            edges.push(Edge {
                to: id_of(target),
                when,
                label,
                block,
            });
        };
        if let Some(decision) = &step.decision {
            if decision.choices.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::InvalidDecision,
                        decision.span,
                        "this decision has no choices",
                    )
                    .with_help(
                        "list the choices as bullet items, each with one `[label](#step-id)` link",
                    ),
                );
            }
            for choice in &decision.choices {
                let Some(first) = choice.targets.first() else {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::InvalidDecision,
                            first_line(runbook, choice.span),
                            "this choice has no link to a step",
                        )
                        .with_help(
                            "add a link such as `[promote the replica](#promote-the-replica)`",
                        ),
                    );
                    continue;
                };
                if choice.targets.len() > 1 {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::InvalidDecision,
                            first_line(runbook, choice.span),
                            "this choice links to more than one step; the first link is used",
                        )
                        .with_help("keep one step link per choice"),
                    );
                }
                match lookup.resolve(first) {
                    Ok(target) => push(
                        &mut edges,
                        target,
                        EdgeWhen::Choice,
                        Some(choice.label.clone()),
                        None,
                        first_line(runbook, choice.span),
                    ),
                    Err(()) => diagnostics.push(unknown(
                        first,
                        first_line(runbook, choice.span),
                        "this choice links to",
                    )),
                }
            }
        } else if let Some((next, attr)) = &step.options.next {
            match lookup.resolve(next) {
                Ok(target) => push(&mut edges, target, EdgeWhen::Default, None, None, attr.span),
                Err(()) => diagnostics.push(unknown(next, attr.span, "`next` points to")),
            }
        } else {
            let following = lookup.walkable_from.get(index + 1).copied().flatten();
            push(
                &mut edges,
                following,
                EdgeWhen::Default,
                None,
                None,
                step.heading,
            );
        }
        for (block_index, block) in step.blocks.iter().enumerate() {
            for (when, attr) in [
                (EdgeWhen::Ok, &block.options.on_ok_span),
                (EdgeWhen::Fail, &block.options.on_fail_span),
            ] {
                let Some(attr) = attr else { continue };
                let written = attr.text();
                match lookup.resolve(&written) {
                    Ok(target) => push(
                        &mut edges,
                        target,
                        when,
                        block.options.name.clone(),
                        Some(block_index),
                        attr.span,
                    ),
                    Err(()) => diagnostics.push(unknown(
                        &written,
                        attr.span,
                        if when == EdgeWhen::Ok {
                            "`on_ok` points to"
                        } else {
                            "`on_fail` points to"
                        },
                    )),
                }
            }
        }
        // Resolve choice targets in the model too, so the UI need not resolve again.
        let resolved: Vec<String> = step
            .decision
            .as_ref()
            .map(|decision| {
                decision
                    .choices
                    .iter()
                    .map(|choice| {
                        choice
                            .targets
                            .first()
                            .and_then(|target| lookup.resolve(target).ok())
                            .map_or_else(String::new, id_of)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let step = &mut runbook.steps[index];
        if let Some(decision) = step.decision.as_mut() {
            for (choice, to) in decision.choices.iter_mut().zip(resolved) {
                choice.to = to;
            }
        }
        step.next = edges;
    }

    let start = lookup.walkable_from.first().copied().flatten();
    runbook.start = start.map(|index| ids[index].clone());
    if let Some(start) = start {
        check_reachable(runbook, &graph, start, &mut diagnostics);
        note_loops(runbook, &graph, start, &mut diagnostics);
    }
    runbook.diagnostics.extend(diagnostics);
}

fn first_line(runbook: &Runbook, span: Span) -> Span {
    let text = runbook.source.slice(span);
    let end = text.find('\n').unwrap_or(text.len());
    Span::new(span.start, span.start + text[..end].trim_end().len())
}

/// Explicit ids must be unique, and must not take another step's id.
fn check_duplicate_ids(steps: &[Step], diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        if let Some(previous) = first.insert(step.id.as_str(), index) {
            let (blamed, other) = if step.options.id.is_some() {
                (step, &steps[previous])
            } else {
                (&steps[previous], step)
            };
            let span = blamed
                .options
                .id
                .as_ref()
                .map_or(blamed.heading, |(_, attr)| attr.span);
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    span,
                    format!(
                        "step id `{}` is already used by '{}' (line {})",
                        blamed.id, other.title, other.line
                    ),
                )
                .with_help("choose another `id=`; every step id must be unique"),
            );
        }
    }
}

fn check_reachable(
    runbook: &Runbook,
    graph: &[Vec<(usize, Span)>],
    start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(index) = stack.pop() {
        for &(to, _) in &graph[index] {
            if !seen[to] {
                seen[to] = true;
                stack.push(to);
            }
        }
    }
    for (index, step) in runbook.steps.iter().enumerate() {
        if !seen[index] && !step.is_group() {
            diagnostics.push(
                Diagnostic::warning(
                    Code::UnreachableStep,
                    step.heading,
                    format!("no path through the runbook reaches '{}'", step.title),
                )
                .with_help("link to it from a decision, `next=`, `on_ok=` or `on_fail=`, or remove the `next=` that skips it"),
            );
        }
    }
}

/// Notes each edge that closes a loop (found by an iterative depth-first search).
fn note_loops(
    runbook: &Runbook,
    graph: &[Vec<(usize, Span)>],
    start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; graph.len()];
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    marks[start] = Mark::OnPath;
    while let Some(&mut (node, ref mut next_edge)) = stack.last_mut() {
        if let Some(&(to, span)) = graph[node].get(*next_edge) {
            *next_edge += 1;
            match marks[to] {
                Mark::New => {
                    marks[to] = Mark::OnPath;
                    stack.push((to, 0));
                }
                Mark::OnPath => diagnostics.push(
                    Diagnostic::note(
                        Code::Cycle,
                        span,
                        format!(
                            "'{}' leads back to '{}': the walk can loop here",
                            runbook.steps[node].title, runbook.steps[to].title
                        ),
                    )
                    .with_help("loops are fine for retries; make sure one branch leaves the loop"),
                ),
                Mark::Done => {}
            }
        } else {
            marks[node] = Mark::Done;
            stack.pop();
        }
    }
}
