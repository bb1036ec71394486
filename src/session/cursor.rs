//! Where the walk goes: the first step, what a block's outcome means for the rest of its
//! step, and where a finished step leads. These are the edge rules of FORMAT.md §4, in one
//! place, for `--auto`, the UI and drills alike.
//!
//! - A block that succeeds and has `on_ok` sends the walk to that step at once; the step's
//!   later blocks do not run.
//! - A block that fails goes to its `on_fail` step if it has one; otherwise the walk stops
//!   there (the operator retries, skips or stops).
//! - A finished step with a decision waits for the operator's choice; otherwise it follows
//!   `next=` or the next step in document order, and the last step leads to `end`.

use crate::runbook::{Block, BlockKind, Decision, EdgeWhen, Runbook, Step, END};

/// Where the walk goes after a step or a block.
#[derive(Clone, Copy, Debug)]
pub enum Next<'a> {
    Step(&'a Step),
    End,
    /// The operator picks one of the decision's choices.
    Decide(&'a Decision),
}

/// Two places are the same when they are the same step (ids are unique) or the same decision.
impl PartialEq for Next<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Next::Step(a), Next::Step(b)) => a.id == b.id,
            (Next::End, Next::End) => true,
            (Next::Decide(a), Next::Decide(b)) => a.line == b.line,
            _ => false,
        }
    }
}

impl Eq for Next<'_> {}

/// What a block's outcome means for the step it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// Go on with the step's next block.
    Continue,
    /// Leave the step for another (`on_ok` / `on_fail`).
    Goto(Next<'a>),
    /// A failure with nowhere to go: the walk stops at this step.
    Stop,
}

/// Why a block is not run in a walk through the whole runbook, if it is not.
pub fn not_runnable(block: &Block) -> Option<&'static str> {
    if block.options.ignore {
        return Some("marked `ignore`");
    }
    if block.kind != BlockKind::Command {
        return Some("not a command");
    }
    if block.options.exclude_from_run_all {
        return Some("runs only when asked for (`excludeFromRunAll`)");
    }
    if block
        .commands
        .iter()
        .all(|command| command.trim().is_empty())
    {
        return Some("empty");
    }
    None
}

/// The step a walk starts at.
pub fn first(runbook: &Runbook) -> Next<'_> {
    runbook
        .start
        .as_deref()
        .map_or(Next::End, |id| target(runbook, id))
}

/// The step an edge's `to` names (`end` is the end).
pub fn target<'a>(runbook: &'a Runbook, id: &str) -> Next<'a> {
    if id == END {
        return Next::End;
    }
    match runbook.step(id) {
        Some(step) if step.is_group() => first_inside(runbook, step),
        Some(step) => Next::Step(step),
        None => Next::End,
    }
}

/// A group leads to the first walkable step at or after it in document order.
fn first_inside<'a>(runbook: &'a Runbook, group: &Step) -> Next<'a> {
    runbook
        .steps
        .iter()
        .skip_while(|step| step.id != group.id)
        .find(|step| !step.is_group())
        .map_or(Next::End, Next::Step)
}

/// What the outcome of block `block` of `step` means for the walk.
pub fn after_block<'a>(runbook: &'a Runbook, step: &Step, block: usize, ok: bool) -> Route<'a> {
    let when = if ok { EdgeWhen::Ok } else { EdgeWhen::Fail };
    let edge = step
        .next
        .iter()
        .find(|edge| edge.when == when && edge.block == Some(block));
    match edge {
        Some(edge) => Route::Goto(target(runbook, &edge.to)),
        None if ok => Route::Continue,
        None => Route::Stop,
    }
}

/// Where a finished step leads.
pub fn after_step<'a>(runbook: &'a Runbook, step: &'a Step) -> Next<'a> {
    if let Some(decision) = &step.decision {
        if !decision.choices.is_empty() {
            return Next::Decide(decision);
        }
    }
    step.next
        .iter()
        .find(|edge| edge.when == EdgeWhen::Default)
        .map_or(Next::End, |edge| target(runbook, &edge.to))
}

/// Where choice `index` of a decision leads (`None`: no such choice, or a choice whose link
/// leads nowhere).
pub fn choose<'a>(runbook: &'a Runbook, decision: &Decision, index: usize) -> Option<Next<'a>> {
    let choice = decision.choices.get(index)?;
    if choice.to.is_empty() {
        return None;
    }
    Some(target(runbook, &choice.to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::parse;

    fn id(next: Next<'_>) -> String {
        match next {
            Next::Step(step) => step.id.clone(),
            Next::End => "end".into(),
            Next::Decide(_) => "decide".into(),
        }
    }

    const GRAPH: &str = "# Title\n\n## Group\n\n### Check\n\n```sh {on_ok=fix on_fail=escalate}\ntrue\n```\n\n```sh\necho after\n```\n\n## Fix\n\n<!-- cairn: next=end -->\n\n```sh\ntrue\n```\n\n## Decide\n\n<!-- cairn: choose -->\n- Good: [fix](#fix)\n- Bad: [escalate](#escalate)\n\n## Escalate\n\n```sh\nfalse\n```\n";

    #[test]
    fn the_walk_starts_at_the_first_walkable_step() {
        let runbook = parse("t.md", GRAPH);
        assert_eq!(id(first(&runbook)), "check");
        assert_eq!(id(target(&runbook, "group")), "check");
        assert_eq!(id(target(&runbook, "end")), "end");
    }

    #[test]
    fn block_edges_leave_the_step_at_once() {
        let runbook = parse("t.md", GRAPH);
        let check = runbook.step("check").unwrap();
        assert_eq!(
            after_block(&runbook, check, 0, true),
            Route::Goto(Next::Step(runbook.step("fix").unwrap()))
        );
        assert_eq!(
            after_block(&runbook, check, 0, false),
            Route::Goto(Next::Step(runbook.step("escalate").unwrap()))
        );
        assert_eq!(after_block(&runbook, check, 1, true), Route::Continue);
        assert_eq!(after_block(&runbook, check, 1, false), Route::Stop);
    }

    #[test]
    fn steps_follow_next_then_document_order_then_end() {
        let runbook = parse("t.md", GRAPH);
        let step = |id| runbook.step(id).unwrap();
        assert_eq!(id(after_step(&runbook, step("check"))), "fix");
        assert_eq!(id(after_step(&runbook, step("fix"))), "end");
        assert_eq!(id(after_step(&runbook, step("decide"))), "decide");
        assert_eq!(id(after_step(&runbook, step("escalate"))), "end");
    }

    #[test]
    fn a_decision_leads_where_its_choice_links() {
        let runbook = parse("t.md", GRAPH);
        let Some(decision) = &runbook.step("decide").unwrap().decision else {
            panic!("no decision");
        };
        assert_eq!(id(choose(&runbook, decision, 1).unwrap()), "escalate");
        assert_eq!(choose(&runbook, decision, 5), None);
    }

    #[test]
    fn only_commands_run() {
        let runbook = parse(
            "t.md",
            "# T\n\n```yaml\na: 1\n```\n\n```sh {ignore}\nx\n```\n\n```sh\ntrue\n```\n",
        );
        let blocks = &runbook.steps[0].blocks;
        assert_eq!(not_runnable(&blocks[0]), Some("not a command"));
        assert_eq!(not_runnable(&blocks[1]), Some("marked `ignore`"));
        assert_eq!(not_runnable(&blocks[2]), None);
    }
}
