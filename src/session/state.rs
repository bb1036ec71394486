//! What a session's events add up to: where the walk is, what each step and block did,
//! the variables in force, the notes. `SessionState::apply` is the one fold every consumer
//! uses, live or replayed.
//!
//! The fold trusts nothing: events may come from a damaged or hand-edited journal, so an
//! event about an unknown step, a finish without a start or a clock that goes backwards is
//! recorded as well as it can be, never a panic.

use std::collections::{BTreeMap, BTreeSet};

use super::event::{CommandRef, Event, Mode, Outcome, SessionInfo, SessionOutcome, Stamped, Value};

/// Where a step stands. A step with no status is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    Current,
    Ok,
    Failed,
    Skipped,
}

/// The latest run of one block in the step's latest visit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockStatus {
    /// `None` while it runs.
    pub outcome: Option<Outcome>,
    pub attempts: u32,
    pub exit: Option<i32>,
    pub duration_ms: u64,
    pub skipped_because: Option<String>,
    /// What the operator ran in place of the block's commands, when they edited it.
    pub edited: Option<String>,
    /// What a drill ran in place of the block (its `rehearsal` command).
    pub rehearsed: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepStatus {
    pub state: StepState,
    /// How many times the walk entered it (loops enter again).
    pub visits: u32,
    /// Time spent in it over all visits, finished ones only.
    pub elapsed_ms: u64,
    pub blocks: BTreeMap<usize, BlockStatus>,
    pub checks: BTreeSet<usize>,
    pub confirmed: bool,
}

/// One stop of the walk, in order: the path actually taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub step: String,
    pub entered_ms: u64,
    pub finished_ms: Option<u64>,
    pub outcome: Option<Outcome>,
    /// The decision choice taken, if the step was a decision.
    pub choice: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub at_ms: u64,
    pub step: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionState {
    pub info: Option<SessionInfo>,
    pub started_ms: Option<u64>,
    /// The latest time seen (never goes backwards).
    pub last_ms: u64,
    /// The `seq` of the last event applied.
    pub seq: u64,
    /// Events whose `seq` did not follow the one before: a journal that lost something.
    pub seq_gaps: u32,
    /// The step entered and not yet finished or skipped.
    pub current: Option<String>,
    pub steps: BTreeMap<String, StepStatus>,
    pub path: Vec<Visit>,
    /// Variables set during the session; `None` means removed (`unset`), which hides an
    /// inherited variable of the same name.
    pub variables: BTreeMap<String, Option<Value>>,
    /// The working directory the last block left behind.
    pub cwd: Option<String>,
    /// Commands started and not yet finished (background ones stay here while they run).
    pub running: BTreeSet<CommandRef>,
    pub notes: Vec<Note>,
    pub ended: Option<SessionOutcome>,
    /// How many times the session was resumed.
    pub resumes: u32,
}

impl SessionState {
    /// Folds a whole sequence of events from nothing.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Stamped>) -> SessionState {
        let mut state = SessionState::default();
        for event in events {
            state.apply(event);
        }
        state
    }

    pub fn mode(&self) -> Option<Mode> {
        self.info.as_ref().map(|info| info.mode)
    }

    pub fn status(&self, step: &str) -> Option<&StepStatus> {
        self.steps.get(step)
    }

    /// Milliseconds from the first event to the latest.
    pub fn elapsed_ms(&self) -> u64 {
        self.started_ms
            .map_or(0, |started| self.last_ms.saturating_sub(started))
    }

    /// A variable's recorded value, unless it was removed or never set.
    /// Steps in the order first entered, each with its time over all its visits.
    pub fn step_times(&self) -> Vec<(String, u64)> {
        let mut times: Vec<(String, u64)> = Vec::new();
        for visit in &self.path {
            let spent = visit
                .finished_ms
                .unwrap_or(self.last_ms)
                .saturating_sub(visit.entered_ms);
            match times.iter_mut().find(|(step, _)| *step == visit.step) {
                Some((_, total)) => *total += spent,
                None => times.push((visit.step.clone(), spent)),
            }
        }
        times
    }

    pub fn variable(&self, name: &str) -> Option<&Value> {
        self.variables.get(name).and_then(Option::as_ref)
    }

    pub fn apply(&mut self, stamped: &Stamped) {
        if self.seq != 0 && stamped.seq != self.seq.saturating_add(1) {
            self.seq_gaps = self.seq_gaps.saturating_add(1);
        }
        self.seq = stamped.seq;
        let at = stamped.at_ms.max(self.last_ms);
        self.last_ms = at;
        match &stamped.event {
            Event::SessionStarted(info) => {
                self.info = Some(info.clone());
                self.started_ms.get_or_insert(at);
            }
            Event::VariablesChanged {
                set, unset, cwd, ..
            } => {
                for (name, value) in set {
                    self.variables.insert(name.clone(), Some(value.clone()));
                }
                for name in unset {
                    self.variables.insert(name.clone(), None);
                }
                if let Some(cwd) = cwd {
                    self.cwd = Some(cwd.clone());
                }
            }
            Event::StepEntered { step } => self.enter(step, at),
            Event::Confirmed { step, .. } => self.step_mut(step).confirmed = true,
            Event::CommandStarted { at: command, .. } => {
                let block = self
                    .step_mut(&command.step)
                    .blocks
                    .entry(command.block)
                    .or_default();
                block.outcome = None;
                block.attempts = block.attempts.max(command.attempt);
                self.running.insert(command.clone());
            }
            Event::CommandFinished {
                at: command,
                outcome,
                exit,
                duration_ms,
                ..
            } => {
                self.running.remove(command);
                let block = self
                    .step_mut(&command.step)
                    .blocks
                    .entry(command.block)
                    .or_default();
                block.attempts = block.attempts.max(command.attempt);
                block.exit = *exit;
                block.duration_ms = block.duration_ms.saturating_add(*duration_ms);
                // The block's own outcome comes with BlockFinished; a failed command is
                // shown as failed meanwhile.
                if !outcome.is_ok() {
                    block.outcome = Some(*outcome);
                }
            }
            Event::BlockFinished {
                step,
                block,
                outcome,
                attempts,
            } => {
                let status = self.step_mut(step).blocks.entry(*block).or_default();
                status.outcome = Some(*outcome);
                status.attempts = status.attempts.max(*attempts);
            }
            Event::BlockSkipped {
                step,
                block,
                reason,
            } => {
                let status = self.step_mut(step).blocks.entry(*block).or_default();
                status.outcome = Some(Outcome::Skipped);
                status.skipped_because = Some(reason.clone());
            }
            Event::BlockEdited { step, block, text } => {
                self.step_mut(step).blocks.entry(*block).or_default().edited = Some(text.clone());
            }
            Event::Rehearsed { step, block, text } => {
                self.step_mut(step)
                    .blocks
                    .entry(*block)
                    .or_default()
                    .rehearsed = Some(text.clone());
            }
            // A record for people; it changes nothing in the walk.
            Event::DrillCompared { .. } => {}
            Event::CheckTicked { step, check } => {
                self.step_mut(step).checks.insert(*check);
            }
            Event::DecisionTaken { step, choice, .. } => {
                if let Some(visit) = self.open_visit(step) {
                    visit.choice = Some(*choice);
                }
            }
            Event::StepSkipped { step, .. } => self.finish(step, Outcome::Skipped, at),
            Event::StepFinished { step, outcome } => self.finish(step, *outcome, at),
            Event::NoteAdded { step, text } => self.notes.push(Note {
                at_ms: at,
                step: step.clone(),
                text: text.clone(),
            }),
            Event::SessionEnded { outcome } => {
                self.ended = Some(*outcome);
                self.current = None;
            }
            Event::SessionResumed { .. } => {
                self.resumes = self.resumes.saturating_add(1);
                self.ended = None;
            }
        }
    }

    fn step_mut(&mut self, step: &str) -> &mut StepStatus {
        self.steps
            .entry(step.to_string())
            .or_insert_with(|| StepStatus {
                state: StepState::Current,
                visits: 0,
                elapsed_ms: 0,
                blocks: BTreeMap::new(),
                checks: BTreeSet::new(),
                confirmed: false,
            })
    }

    fn enter(&mut self, step: &str, at: u64) {
        let status = self.step_mut(step);
        status.state = StepState::Current;
        status.visits = status.visits.saturating_add(1);
        // A step entered again (a retry loop) starts afresh.
        status.blocks.clear();
        status.checks.clear();
        status.confirmed = false;
        self.current = Some(step.to_string());
        self.path.push(Visit {
            step: step.to_string(),
            entered_ms: at,
            finished_ms: None,
            outcome: None,
            choice: None,
        });
    }

    fn open_visit(&mut self, step: &str) -> Option<&mut Visit> {
        self.path
            .iter_mut()
            .rev()
            .find(|visit| visit.step == step && visit.finished_ms.is_none())
    }

    fn finish(&mut self, step: &str, outcome: Outcome, at: u64) {
        let entered = self.open_visit(step).map(|visit| {
            visit.finished_ms = Some(at);
            visit.outcome = Some(outcome);
            visit.entered_ms
        });
        let status = self.step_mut(step);
        status.state = match outcome {
            Outcome::Ok => StepState::Ok,
            Outcome::Skipped => StepState::Skipped,
            _ => StepState::Failed,
        };
        if let Some(entered) = entered {
            status.elapsed_ms = status.elapsed_ms.saturating_add(at.saturating_sub(entered));
        }
        if self.current.as_deref() == Some(step) {
            self.current = None;
        }
    }
}
