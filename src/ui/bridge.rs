//! The engine's side of the UI: an `Operator` that runs on the engine's thread and turns
//! each question into a message to the UI, then waits for the answer.
//!
//! Events and output travel in one bounded channel, in order. When the UI falls behind a
//! command that floods its terminal, the channel fills and the engine's thread waits,
//! which in turn slows the command down (as a real terminal does), so nothing piles up in
//! memory and nothing is dropped. Questions carry their own reply channel; when the UI is
//! gone (the operator quit), every question is answered with "stop".

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::Sender;

use crate::engine::{Action, Ask, Confirmation, Operator, Pending};
use crate::exec::TerminalHandle;
use crate::runbook::{Decision, Step};
use crate::session::Stamped;

/// Where the walk waits, by step id (the UI's own copy of `Pending`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    Block { step: String, index: usize },
    Failed { step: String, index: usize },
    Leave { step: String },
}

impl Waiting {
    pub fn step(&self) -> &str {
        match self {
            Waiting::Block { step, .. }
            | Waiting::Failed { step, .. }
            | Waiting::Leave { step } => step,
        }
    }

    /// The block the walk waits at, if it waits at one.
    pub fn block(&self) -> Option<usize> {
        match self {
            Waiting::Block { index, .. } | Waiting::Failed { index, .. } => Some(*index),
            Waiting::Leave { .. } => None,
        }
    }
}

/// Answers a question once.
pub type Reply<T> = mpsc::Sender<T>;

/// What the engine tells and asks the UI.
pub enum ToUi {
    Event(Stamped),
    Output(Vec<u8>),
    /// A command started in a terminal the operator can type into.
    Attach(TerminalHandle),
    Value(Ask, Reply<Option<String>>),
    Confirm(Confirmation, Reply<Option<String>>),
    /// A decision at the step with this id: the index of the choice taken.
    Choose(String, Reply<Option<usize>>),
    Next(Waiting, Reply<Action>),
    /// A dry run's line: what would run.
    WouldRun(String),
}

/// Notes written while a command ran, for the engine to record at its next chance.
pub type NoteQueue = Arc<Mutex<Vec<String>>>;

pub struct Bridge {
    to_ui: Sender<ToUi>,
    notes: NoteQueue,
}

impl Bridge {
    pub fn new(to_ui: Sender<ToUi>, notes: NoteQueue) -> Bridge {
        Bridge { to_ui, notes }
    }

    fn tell(&self, message: ToUi) {
        // Only fails when the UI is gone; the walk then stops at its next question.
        let _ = self.to_ui.blocking_send(message);
    }

    fn ask<T>(&self, question: impl FnOnce(Reply<T>) -> ToUi) -> Option<T> {
        let (reply, answer) = mpsc::channel();
        self.to_ui.blocking_send(question(reply)).ok()?;
        answer.recv().ok()
    }
}

impl Operator for Bridge {
    fn value(&mut self, ask: &Ask) -> Option<String> {
        self.ask(|reply| ToUi::Value(ask.clone(), reply)).flatten()
    }

    fn confirm(&mut self, confirmation: &Confirmation) -> Option<String> {
        self.ask(|reply| ToUi::Confirm(confirmation.clone(), reply))
            .flatten()
    }

    fn choose(&mut self, step: &Step, _decision: &Decision) -> Option<usize> {
        self.ask(|reply| ToUi::Choose(step.id.clone(), reply))
            .flatten()
    }

    fn event(&mut self, event: &Stamped) {
        self.tell(ToUi::Event(event.clone()));
    }

    fn output(&mut self, chunk: &[u8]) {
        self.tell(ToUi::Output(chunk.to_vec()));
    }

    fn would_run(&mut self, command: &str, interpreter: &str, values: &[(String, String)]) {
        let mut line = format!("would run ({interpreter}): {command}");
        for (name, value) in values {
            line.push_str(&format!("\n    {name} = {value}"));
        }
        self.tell(ToUi::WouldRun(line));
    }

    fn next(&mut self, pending: Pending<'_>) -> Action {
        let waiting = match pending {
            Pending::Block { step, index } => Waiting::Block {
                step: step.id.clone(),
                index,
            },
            Pending::Failed { step, index } => Waiting::Failed {
                step: step.id.clone(),
                index,
            },
            Pending::Leave { step } => Waiting::Leave {
                step: step.id.clone(),
            },
        };
        self.ask(|reply| ToUi::Next(waiting, reply))
            .unwrap_or(Action::Quit)
    }

    fn attach(&mut self, terminal: &TerminalHandle) {
        self.tell(ToUi::Attach(terminal.clone()));
    }

    fn notes(&mut self) -> Vec<String> {
        self.notes
            .lock()
            .map(|mut notes| std::mem::take(&mut *notes))
            .unwrap_or_default()
    }
}
