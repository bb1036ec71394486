//! The person (or the flags standing in for one) the engine asks and tells: values it
//! lacks, confirmations, decisions; and everything that happens, as it happens.

use crate::runbook::{Decision, Step};
use crate::session::{OutputRef, Stamped};

/// A value the walk needs before a block can run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    /// A variable name (`DB_HOST`) or a placeholder in brackets (`<pod name>`).
    pub name: String,
    pub prompt: Option<String>,
    pub default: Option<String>,
    pub choices: Vec<String>,
    pub secret: bool,
    /// Where it is used: `file:line:col`.
    pub used_at: String,
}

/// A typed confirmation the walk needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    pub step: String,
    pub block: Option<usize>,
    /// Why: the `confirm="…"` message, or what makes the command destructive.
    pub reason: String,
    /// `file:line:col` of the block or step.
    pub at: String,
}

/// Where the walk waits for the operator's word before going on.
#[derive(Clone, Copy, Debug)]
pub enum Pending<'a> {
    /// Block `index` of `step` is next to run.
    Block { step: &'a Step, index: usize },
    /// Block `index` of `step` failed and nothing in the runbook says where to go: retry it
    /// (perhaps edited), skip it, skip the step, or stop.
    Failed { step: &'a Step, index: usize },
    /// `step` is done; the walk is about to leave it.
    Leave { step: &'a Step },
}

/// What the operator wants done at a `Pending` point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the block (again, after a failure), or leave the step.
    Go,
    /// Run the block as the operator edited it: one script in place of its commands.
    RunEdited(String),
    /// Do not run the block; the reason goes in the journal.
    SkipBlock(String),
    /// Leave the step without running the rest of it; the reason goes in the journal.
    SkipStep(String),
    /// Record a note, then ask again.
    Note(String),
    /// Tick the step's task-list check (0-based), then ask again.
    Tick(usize),
    /// Stop the walk here; it can be resumed.
    Quit,
}

pub trait Operator {
    /// What to do at `pending`. Without someone to ask (`--auto`), blocks run, steps are
    /// left, and a failure stops the walk.
    fn next(&mut self, pending: Pending<'_>) -> Action {
        match pending {
            Pending::Failed { .. } => Action::Quit,
            Pending::Block { .. } | Pending::Leave { .. } => Action::Go,
        }
    }
    /// A command started in a pseudo-terminal that can be typed into and resized.
    fn attach(&mut self, _terminal: &crate::exec::TerminalHandle) {}
    /// Notes the operator wrote while a command ran, to record now.
    fn notes(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// The value of `ask`, or `None` when there is no answer.
    fn value(&mut self, ask: &Ask) -> Option<String>;
    /// What the operator typed to confirm, or `None` to refuse.
    fn confirm(&mut self, confirmation: &Confirmation) -> Option<String>;
    /// The index of the choice taken, or `None`.
    fn choose(&mut self, step: &Step, decision: &Decision) -> Option<usize>;
    /// An event has happened (and, once a journal exists, is durable).
    fn event(&mut self, event: &Stamped);
    /// Output of the running command, redacted.
    fn output(&mut self, chunk: &[u8]);
    /// What a dry run would do for one command.
    fn would_run(&mut self, command: &str, interpreter: &str, values: &[(String, String)]);
}

/// Where events are made durable (the journal) before anyone is told of them.
pub trait Recorder {
    /// Records `event` durably; an error stops the walk.
    fn record(&mut self, event: &Stamped) -> Result<(), String>;
    /// Stores the output spooled at `spool` for the event numbered `seq` (the command's
    /// `command_finished`), and says where it is kept.
    fn store_output(
        &mut self,
        seq: u64,
        spool: &std::path::Path,
    ) -> Result<Option<OutputRef>, String>;
    /// The walk is over: finish what goes on in the background (sharing the record), and
    /// say how it went, if there is anything to say.
    fn finish(&mut self) -> Option<String> {
        None
    }
}

/// Records nothing (`--no-journal`).
pub struct NoRecord;

impl Recorder for NoRecord {
    fn record(&mut self, _event: &Stamped) -> Result<(), String> {
        Ok(())
    }

    fn store_output(
        &mut self,
        _seq: u64,
        _spool: &std::path::Path,
    ) -> Result<Option<OutputRef>, String> {
        Ok(None)
    }
}
