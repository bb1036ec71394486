//! The step graph: resolves the edges that name a target (`next=`, `on_ok` / `on_fail`,
//! decisions) to a step id or `end`, and validates the whole: unknown targets and duplicate
//! ids are errors, unreachable steps are warnings, loops are noted. The edges of document
//! order (a step goes on to the next) are added by `Steps` as the steps are made.
//!
//! Linking works from `StepFacts` gathered while each step was made, and reads a step again
//! only where an edge names a target or a diagnostic needs its words. Linear in the size of
//! the runbook: ids are looked up by hash, and "did you mean" hints are computed for a
//! bounded number of unknown targets.

use std::cell::OnceCell;
use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

use super::diagnostic::{Code, Diagnostic};
use super::model::{Edge, EdgeWhen, Runbook, Step, END};
use super::source::{Source, Span};
use super::suggest::closest;

/// Where an edge leads, in step indices (`None` is the end of the walk).
type Target = Option<usize>;

/// "Did you mean" hints cost a scan of every id; after this many, the hint is generic.
const SUGGESTIONS: usize = 32;

/// What linking needs to know of a step, gathered by `Steps` while the step is made (and in
/// the cache): linking then reads the steps themselves only where an edge names a target or
/// a diagnostic needs their words, not all 10,000 of a large runbook.
#[derive(Clone, Copy, Debug)]
pub(super) struct StepFacts {
    /// `id_hash` of the step's id.
    pub(super) id_hash: u64,
    /// The heading, which the edge to the next step is blamed on.
    pub(super) heading: Span,
    pub(super) group: bool,
    /// No decision and no `next=`: the step goes on to the next walkable one.
    pub(super) goes_on: bool,
    /// A decision, `next=`, or a block with `on_ok` / `on_fail`: edges that name a target.
    pub(super) names_targets: bool,
}

impl StepFacts {
    pub(super) fn of(step: &Step) -> Self {
        let goes_on = step.decision.is_none() && step.options.next.is_none();
        let block_targets = step
            .blocks
            .iter()
            .any(|block| block.options.on_ok.is_some() || block.options.on_fail.is_some());
        StepFacts {
            id_hash: id_hash(&step.id),
            heading: step.heading,
            group: step.is_group(),
            goes_on,
            names_targets: !goes_on || block_targets,
        }
    }
}

/// The hash step ids are looked up by.
pub(super) fn id_hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

struct Lookup<'a> {
    steps: &'a [Step],
    top_anchors: &'a [String],
    /// For each id hash, the last step filed with it: the first step with its id. Steps
    /// whose ids differ but share a hash are chained through `same_hash`.
    by_id_hash: HashMap<u64, usize>,
    same_hash: Vec<Option<usize>>,
    /// Anchors that are not ids, indexed the first time a target is not an id: most
    /// runbooks link by id (an anchor is the id unless `id=` overrides it), so most never
    /// need this.
    by_anchor: OnceCell<HashMap<&'a str, usize>>,
    /// For each step, the first walkable (non-group) step at or after it.
    walkable_from: Vec<Target>,
}

impl<'a> Lookup<'a> {
    /// Indexes the steps by the hashes of their ids; ids used twice are reported. An id is
    /// read only when its hash is already filed (a duplicate, or a rare collision).
    fn new(
        steps: &'a [Step],
        facts: &[StepFacts],
        top_anchors: &'a [String],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut lookup = Lookup {
            steps,
            top_anchors,
            by_id_hash: HashMap::with_capacity_and_hasher(facts.len(), FxBuildHasher),
            same_hash: vec![None; facts.len()],
            by_anchor: OnceCell::new(),
            walkable_from: vec![None; facts.len()],
        };
        for (index, fact) in facts.iter().enumerate() {
            let Some(step) = steps.get(index) else { break };
            match lookup.find_id(fact.id_hash, &step.id) {
                Some(first) => diagnostics.push(duplicate_id(step, &steps[first])),
                None => {
                    lookup.same_hash[index] = lookup.by_id_hash.insert(fact.id_hash, index);
                }
            }
            if !fact.group {
                lookup.walkable_from[index] = Some(index);
            }
        }
        let mut next: Target = None;
        for walkable in lookup.walkable_from.iter_mut().rev() {
            *walkable = walkable.or(next);
            next = *walkable;
        }
        lookup
    }

    /// The first step whose id is `id` (with hash `hash`).
    fn find_id(&self, hash: u64, id: &str) -> Option<usize> {
        let mut candidate = self.by_id_hash.get(&hash).copied();
        while let Some(index) = candidate {
            if self.steps.get(index).is_some_and(|step| step.id == id) {
                return Some(index);
            }
            candidate = self.same_hash.get(index).copied().flatten();
        }
        None
    }

    /// Anchors that lead to a step besides its id: its heading's (when `id=` overrides it),
    /// those of headings inside it that are no steps, and the title's (to the top).
    fn by_anchor(&self) -> &HashMap<&'a str, usize> {
        self.by_anchor.get_or_init(|| {
            let steps = self.steps;
            let mut by_anchor: HashMap<&str, usize> = HashMap::default();
            for (index, step) in steps.iter().enumerate() {
                // An anchor that is also the step's id is found by id, which is looked up
                // first: most steps need no entry here.
                if step.anchor != step.id {
                    by_anchor.entry(step.anchor.as_str()).or_insert(index);
                }
            }
            for (index, step) in steps.iter().enumerate() {
                for anchor in &step.inner_anchors {
                    by_anchor.entry(anchor.as_str()).or_insert(index);
                }
            }
            if !steps.is_empty() {
                for anchor in self.top_anchors {
                    by_anchor.entry(anchor.as_str()).or_insert(0);
                }
            }
            by_anchor
        })
    }

    /// Resolves a target as written (`promote`, `#promote`, `end`); `Err` when unknown.
    fn resolve(&self, target: &str) -> Result<Target, ()> {
        let target = target.trim().trim_start_matches('#');
        if target == END {
            return Ok(None);
        }
        let index = self
            .find_id(id_hash(target), target)
            .or_else(|| self.by_anchor().get(target).copied())
            .ok_or(())?;
        Ok(self.walkable_from[index])
    }
}

/// The error for an id used twice, blaming the explicit `id=` if there is one.
fn duplicate_id(step: &Step, other: &Step) -> Diagnostic {
    let (blamed, other) = if step.options.id.is_some() {
        (step, other)
    } else {
        (other, step)
    };
    let span = blamed
        .options
        .id
        .as_ref()
        .map_or(blamed.heading, |&(_, span)| span);
    Diagnostic::error(
        Code::DuplicateId,
        span,
        format!(
            "step id `{}` is already used by '{}' (line {})",
            blamed.id, other.title, other.line
        ),
    )
    .with_help("choose another `id=`; every step id must be unique")
}

/// Reports unknown targets, with a "did you mean" for the first few.
struct Unknown<'a> {
    steps: &'a [Step],
    /// Every step id, gathered for the first hint.
    ids: Vec<&'a str>,
    suggestions_left: usize,
}

impl Unknown<'_> {
    fn diagnostic(&mut self, written: &str, span: Span, what: &str) -> Diagnostic {
        let written = written.trim_start_matches('#');
        let diagnostic = Diagnostic::error(
            Code::UnknownTarget,
            span,
            format!("{what} `{written}`, but no step has that id"),
        );
        let suggestion = if self.suggestions_left > 0 {
            self.suggestions_left -= 1;
            if self.ids.is_empty() {
                self.ids = self.steps.iter().map(|step| step.id.as_str()).collect();
            }
            closest(written, &self.ids)
        } else {
            None
        };
        match suggestion {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => diagnostic
                .with_help("use a step id (the heading's GitHub anchor, or its `id=`), or `end`"),
        }
    }
}

/// The edges between steps, for reachability and loops: (to, span of what made the edge),
/// stored together and grouped by the step they leave, which come in order.
struct Graph {
    edges: Vec<(usize, Span)>,
    /// Where each step's edges start in `edges`.
    starts: Vec<usize>,
}

impl Graph {
    fn with_capacity(steps: usize) -> Self {
        Graph {
            edges: Vec::with_capacity(steps),
            starts: Vec::with_capacity(steps),
        }
    }

    /// The edges pushed from now on leave the next step.
    fn start_step(&mut self) {
        self.starts.push(self.edges.len());
    }

    fn push(&mut self, to: usize, span: Span) {
        self.edges.push((to, span));
    }

    fn edges_from(&self, step: usize) -> &[(usize, Span)] {
        let start = self.starts.get(step).copied().unwrap_or(self.edges.len());
        let end = self
            .starts
            .get(step + 1)
            .copied()
            .unwrap_or(self.edges.len());
        &self.edges[start..end]
    }
}

/// What linking found for one step.
#[derive(Default)]
struct Linked {
    edges: Vec<Edge>,
    /// The resolved target of each decision choice ("" when it has none).
    choices: Vec<String>,
}

/// Resolves and checks the edges of `runbook`'s steps, whose `facts` `Steps` gathered.
pub fn link(runbook: &mut Runbook, facts: &[StepFacts]) {
    let mut diagnostics = Vec::new();
    let (linked, start) = {
        let steps = &runbook.steps;
        let lookup = Lookup::new(steps, facts, &runbook.top_anchors, &mut diagnostics);
        let mut unknown = Unknown {
            steps,
            ids: Vec::new(),
            suggestions_left: SUGGESTIONS,
        };
        let mut graph = Graph::with_capacity(facts.len());
        let mut linked: Vec<(usize, Linked)> = Vec::new();
        for (index, fact) in facts.iter().enumerate() {
            graph.start_step();
            if fact.group {
                continue;
            }
            if fact.goes_on {
                // The step has this edge already (`Steps` adds it as soon as the next
                // walkable step is made); the graph needs it too.
                if let Some(following) = lookup.walkable_from.get(index + 1).copied().flatten() {
                    graph.push(following, fact.heading);
                }
            }
            if fact.names_targets {
                let step_linked = link_step(
                    &runbook.source,
                    steps,
                    index,
                    &lookup,
                    &mut unknown,
                    &mut graph,
                    &mut diagnostics,
                );
                linked.push((index, step_linked));
            }
        }
        let start = lookup.walkable_from.first().copied().flatten();
        if let Some(start) = start {
            check_reachable(steps, facts, &graph, start, &mut diagnostics);
            note_loops(steps, &graph, start, &mut diagnostics);
        }
        (linked, start)
    };
    runbook.start = start.map(|index| runbook.steps[index].id.clone());
    for (index, linked) in linked {
        let Some(step) = runbook.steps.get_mut(index) else {
            continue;
        };
        if let Some(decision) = step.decision.as_mut() {
            for (choice, to) in decision.choices.iter_mut().zip(linked.choices) {
                choice.to = to;
            }
        }
        step.next.extend(linked.edges);
    }
    runbook.diagnostics.extend(diagnostics);
}

fn link_step(
    source: &Source,
    steps: &[Step],
    index: usize,
    lookup: &Lookup,
    unknown: &mut Unknown,
    graph: &mut Graph,
    diagnostics: &mut Vec<Diagnostic>,
) -> Linked {
    let step = &steps[index];
    let mut linked = Linked::default();
    let id_of = |target: Target| target.map_or_else(|| END.to_string(), |to| steps[to].id.clone());
    let mut push = |edges: &mut Vec<Edge>, target: Target, when, label, block, span| {
        if let Some(to) = target {
            graph.push(to, span);
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
            let span = first_line(source, choice.span);
            let Some(first) = choice.targets.first() else {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::InvalidDecision,
                        span,
                        "this choice has no link to a step",
                    )
                    .with_help("add a link such as `[promote the replica](#promote-the-replica)`"),
                );
                linked.choices.push(String::new());
                continue;
            };
            if choice.targets.len() > 1 {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::InvalidDecision,
                        span,
                        "this choice links to more than one step; the first link is used",
                    )
                    .with_help("keep one step link per choice"),
                );
            }
            match lookup.resolve(first) {
                Ok(target) => {
                    linked.choices.push(id_of(target));
                    push(
                        &mut linked.edges,
                        target,
                        EdgeWhen::Choice,
                        Some(choice.label.clone()),
                        None,
                        span,
                    );
                }
                Err(()) => {
                    linked.choices.push(String::new());
                    diagnostics.push(unknown.diagnostic(first, span, "this choice links to"));
                }
            }
        }
    } else if let Some((next, span)) = &step.options.next {
        match lookup.resolve(next) {
            Ok(target) => push(
                &mut linked.edges,
                target,
                EdgeWhen::Default,
                None,
                None,
                *span,
            ),
            Err(()) => diagnostics.push(unknown.diagnostic(next, *span, "`next` points to")),
        }
    }
    for (block_index, block) in step.blocks.iter().enumerate() {
        let options = &block.options;
        for (when, target, span, what) in [
            (
                EdgeWhen::Ok,
                &options.on_ok,
                options.on_ok_span,
                "`on_ok` points to",
            ),
            (
                EdgeWhen::Fail,
                &options.on_fail,
                options.on_fail_span,
                "`on_fail` points to",
            ),
        ] {
            let (Some(written), Some(span)) = (target, span) else {
                continue;
            };
            match lookup.resolve(written) {
                Ok(target) => push(
                    &mut linked.edges,
                    target,
                    when,
                    options.name.clone(),
                    Some(block_index),
                    span,
                ),
                Err(()) => diagnostics.push(unknown.diagnostic(written, span, what)),
            }
        }
    }
    linked
}

fn first_line(source: &Source, span: Span) -> Span {
    let text = source.slice(span);
    let end = text.find('\n').unwrap_or(text.len());
    Span::new(span.start, span.start + text[..end].trim_end().len())
}

fn check_reachable(
    steps: &[Step],
    facts: &[StepFacts],
    graph: &Graph,
    start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = vec![false; facts.len()];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(index) = stack.pop() {
        for &(to, _) in graph.edges_from(index) {
            if !seen[to] {
                seen[to] = true;
                stack.push(to);
            }
        }
    }
    for (index, (step, fact)) in steps.iter().zip(facts).enumerate() {
        if !seen[index] && !fact.group {
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
fn note_loops(steps: &[Step], graph: &Graph, start: usize, diagnostics: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; steps.len()];
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    marks[start] = Mark::OnPath;
    while let Some(&mut (node, ref mut next_edge)) = stack.last_mut() {
        if let Some(&(to, span)) = graph.edges_from(node).get(*next_edge) {
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
                            steps[node].title, steps[to].title
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::Source;

    #[test]
    fn ids_that_share_a_hash_are_told_apart() {
        let text = "## A\n\n```bash\na\n```\n\n## B\n\n```bash\nb\n```\n\n\
                    ## C\n<!-- cairn: id=a -->\n\n```bash\nc\n```\n\n## D\n\n```bash\nd\n```\n";
        let (runbook, mut facts) = crate::runbook::walk::walk(Source::new("x.md", text));
        // Every id filed under one hash, as if all of them collided.
        for fact in &mut facts {
            fact.id_hash = 7;
        }
        let mut diagnostics = Vec::new();
        let lookup = Lookup::new(&runbook.steps, &facts, &[], &mut diagnostics);
        let found: Vec<_> = ["a", "b", "d", "c", "x"]
            .iter()
            .map(|id| lookup.find_id(7, id))
            .collect();
        // The first step called `a` keeps the id; the second is a duplicate.
        assert_eq!(found, [Some(0), Some(1), Some(3), None, None]);
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::DuplicateId]);
    }
}
