//! A session's events folded into what the transcripts show: the visits to each step in
//! walk order, each with its blocks, their commands (every attempt), outputs, exits and
//! durations, and the step's checks, decision, skip, confirmations and notes.
//!
//! The fold trusts nothing, as `SessionState`'s does not: an event about a step never
//! entered, or an end without a start, is kept as well as it can be, never dropped, never
//! a panic.

use std::collections::BTreeSet;

use crate::journal::clock;
use crate::session::{CommandRef, Event, Outcome, OutputRef, SessionOutcome, Stamped};

/// One stop of the walk at a step.
#[derive(Clone, Debug, Default)]
pub struct Visit {
    pub step: String,
    pub entered_ms: u64,
    pub finished_ms: Option<u64>,
    pub outcome: Option<Outcome>,
    /// Why the operator skipped the step, when they did.
    pub skipped: Option<String>,
    /// The blocks that ran or were skipped, in the order that happened.
    pub blocks: Vec<BlockRun>,
    pub checks: BTreeSet<usize>,
    pub decision: Option<Decision>,
    pub notes: Vec<Note>,
    /// What the operator answered to confirm the step or one of its blocks.
    pub confirmations: Vec<String>,
}

/// One block of a visit: its commands (each attempt of each), and how it ended.
#[derive(Clone, Debug, Default)]
pub struct BlockRun {
    /// The block's index within its step.
    pub block: usize,
    pub commands: Vec<CommandRun>,
    /// The block's outcome (none when the session stopped while it ran).
    pub outcome: Option<Outcome>,
    pub attempts: u32,
    pub skipped: Option<String>,
    /// What ran in place of the block's commands, when the operator edited it.
    pub edited: Option<String>,
}

/// One run of one command.
#[derive(Clone, Debug)]
pub struct CommandRun {
    pub at: CommandRef,
    /// The command as it ran (placeholders substituted, secrets redacted).
    pub text: String,
    pub cwd: String,
    pub host: Option<String>,
    pub started_ms: u64,
    /// None when the session stopped while it ran.
    pub finished: Option<Finished>,
}

/// How a command ended.
#[derive(Clone, Debug)]
pub struct Finished {
    pub at_ms: u64,
    pub outcome: Outcome,
    pub exit: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub output_bytes: u64,
    pub reason: Option<String>,
    pub output: Option<OutputRef>,
}

impl Finished {
    /// The command and its end, when `stamped` is a `command_finished` event.
    pub fn of(stamped: &Stamped) -> Option<(&CommandRef, Finished)> {
        let Event::CommandFinished {
            at,
            outcome,
            exit,
            signal,
            duration_ms,
            output_bytes,
            reason,
            output,
        } = &stamped.event
        else {
            return None;
        };
        Some((
            at,
            Finished {
                at_ms: stamped.at_ms,
                outcome: *outcome,
                exit: *exit,
                signal: *signal,
                duration_ms: *duration_ms,
                output_bytes: *output_bytes,
                reason: reason.clone(),
                output: output.clone(),
            },
        ))
    }

    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }

    /// `✓ exit 0 · 0.02 s`, `✗ timeout · signal 15 · 30.00 s · reason`, as `--auto` says it.
    pub fn status(&self) -> String {
        let code = match (self.exit, self.signal) {
            (_, Some(signal)) => format!("signal {signal}"),
            (Some(exit), None) => format!("exit {exit}"),
            (None, None) => self.outcome.word().to_string(),
        };
        let seconds = self.duration_ms as f64 / 1000.0;
        let mut status = match self.outcome {
            Outcome::Ok | Outcome::Skipped => format!("✓ {code} · {seconds:.2} s"),
            Outcome::Timeout | Outcome::Interrupted => {
                format!("✗ {} · {code} · {seconds:.2} s", self.outcome.word())
            }
            Outcome::Failed | Outcome::Error => format!("✗ {code} · {seconds:.2} s"),
        };
        if let Some(reason) = &self.reason {
            status.push_str(" · ");
            status.push_str(reason);
        }
        status
    }
}

impl CommandRun {
    /// The status line; `… still running when the session stopped` when it never finished.
    pub fn status(&self) -> String {
        self.finished.as_ref().map_or_else(
            || "… no end recorded (the session stopped while it ran)".to_string(),
            Finished::status,
        )
    }

    pub fn ok(&self) -> bool {
        self.finished.as_ref().is_some_and(Finished::ok)
    }
}

impl BlockRun {
    /// The block's outcome: as recorded, else its last command's, else `Interrupted`.
    pub fn outcome(&self) -> Outcome {
        if self.skipped.is_some() {
            return Outcome::Skipped;
        }
        self.outcome
            .or_else(|| {
                self.commands
                    .last()
                    .and_then(|command| command.finished.as_ref())
                    .map(|finished| finished.outcome)
            })
            .unwrap_or(Outcome::Interrupted)
    }

    /// Milliseconds its commands ran, all attempts together.
    pub fn duration_ms(&self) -> u64 {
        self.commands
            .iter()
            .filter_map(|command| command.finished.as_ref())
            .map(|finished| finished.duration_ms)
            .sum()
    }
}

/// A decision taken at a step.
#[derive(Clone, Debug)]
pub struct Decision {
    /// Counted from 0.
    pub choice: usize,
    pub to: String,
}

#[derive(Clone, Debug)]
pub struct Note {
    pub at_ms: u64,
    pub text: String,
}

/// The visits, notes and end that a session's events add up to.
#[derive(Default)]
pub(super) struct Walked {
    pub(super) visits: Vec<Visit>,
    pub(super) notes: Vec<Note>,
    pub(super) outcome: Option<SessionOutcome>,
}

impl Walked {
    pub(super) fn of(events: &[Stamped]) -> Walked {
        let mut walked = Walked::default();
        for stamped in events {
            walked.apply(stamped);
        }
        walked
    }

    fn apply(&mut self, stamped: &Stamped) {
        let at_ms = stamped.at_ms;
        match &stamped.event {
            Event::StepEntered { step } => self.visits.push(Visit {
                step: step.clone(),
                entered_ms: at_ms,
                ..Visit::default()
            }),
            Event::Confirmed { step, answer, .. } => {
                self.visit(step, at_ms).confirmations.push(answer.clone());
            }
            Event::CommandStarted {
                at,
                text,
                cwd,
                host,
            } => self
                .visit(&at.step, at_ms)
                .block(at.block)
                .commands
                .push(CommandRun {
                    at: at.clone(),
                    text: text.clone(),
                    cwd: cwd.clone(),
                    host: host.clone(),
                    started_ms: at_ms,
                    finished: None,
                }),
            Event::CommandFinished { .. } => {
                let Some((at, finished)) = Finished::of(stamped) else {
                    return;
                };
                let duration_ms = finished.duration_ms;
                let block = self.visit(&at.step, at_ms).block(at.block);
                match block
                    .commands
                    .iter_mut()
                    .rev()
                    .find(|command| command.at == *at && command.finished.is_none())
                {
                    Some(command) => command.finished = Some(finished),
                    // An end without a start: a damaged journal; keep what it says.
                    None => block.commands.push(CommandRun {
                        at: at.clone(),
                        text: String::new(),
                        cwd: String::new(),
                        host: None,
                        started_ms: at_ms.saturating_sub(duration_ms),
                        finished: Some(finished),
                    }),
                }
            }
            Event::BlockFinished {
                step,
                block,
                outcome,
                attempts,
            } => {
                let run = self.visit(step, at_ms).block(*block);
                run.outcome = Some(*outcome);
                run.attempts = *attempts;
            }
            Event::BlockSkipped {
                step,
                block,
                reason,
            } => self.visit(step, at_ms).block(*block).skipped = Some(reason.clone()),
            Event::BlockEdited { step, block, text } => {
                self.visit(step, at_ms).block(*block).edited = Some(text.clone());
            }
            Event::CheckTicked { step, check } => {
                self.visit(step, at_ms).checks.insert(*check);
            }
            Event::DecisionTaken { step, choice, to } => {
                self.visit(step, at_ms).decision = Some(Decision {
                    choice: *choice,
                    to: to.clone(),
                });
            }
            Event::StepSkipped { step, reason } => {
                let visit = self.visit(step, at_ms);
                visit.skipped = Some(reason.clone());
                visit.outcome = Some(Outcome::Skipped);
                visit.finished_ms = Some(at_ms);
            }
            Event::StepFinished { step, outcome } => {
                let visit = self.visit(step, at_ms);
                visit.outcome = Some(*outcome);
                visit.finished_ms = Some(at_ms);
            }
            Event::NoteAdded { step, text } => {
                let note = Note {
                    at_ms,
                    text: text.clone(),
                };
                match step {
                    Some(step) => self.visit(step, at_ms).notes.push(note),
                    None => self.notes.push(note),
                }
            }
            Event::SessionEnded { outcome } => self.outcome = Some(*outcome),
            Event::SessionResumed { .. } => self.outcome = None,
            // The rest change no step's record; the timeline tells them.
            _ => {}
        }
    }

    /// The latest visit to `step`; one is made for a step never entered (a damaged or
    /// hand-edited journal), so nothing recorded is dropped.
    fn visit(&mut self, step: &str, at_ms: u64) -> &mut Visit {
        let index = match self.visits.iter().rposition(|visit| visit.step == step) {
            Some(index) => index,
            None => {
                self.visits.push(Visit {
                    step: step.to_string(),
                    entered_ms: at_ms,
                    ..Visit::default()
                });
                self.visits.len() - 1
            }
        };
        &mut self.visits[index]
    }
}

impl Visit {
    /// The run of block `block` in this visit, made on first mention.
    fn block(&mut self, block: usize) -> &mut BlockRun {
        let index = match self.blocks.iter().position(|run| run.block == block) {
            Some(index) => index,
            None => {
                self.blocks.push(BlockRun {
                    block,
                    ..BlockRun::default()
                });
                self.blocks.len() - 1
            }
        };
        &mut self.blocks[index]
    }

    /// `✓ ok in 0.3 s`, `✗ failed in 1.2 s`, `skipped: reason`, or `… not finished`.
    pub fn status(&self) -> String {
        match (&self.skipped, self.outcome, self.finished_ms) {
            (Some(reason), _, _) => format!("skipped: {reason}"),
            (None, Some(outcome), Some(finished)) => format!(
                "{} {} in {}",
                if outcome.is_ok() { "✓" } else { "✗" },
                outcome.word(),
                clock::duration(finished.saturating_sub(self.entered_ms))
            ),
            _ => "… not finished".to_string(),
        }
    }

    pub fn failed(&self) -> bool {
        self.outcome.is_some_and(|outcome| !outcome.is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_auto_prints_them() {
        let finished = Finished {
            at_ms: 0,
            outcome: Outcome::Failed,
            exit: Some(3),
            signal: None,
            duration_ms: 1234,
            output_bytes: 0,
            reason: None,
            output: None,
        };
        assert_eq!(finished.status(), "✗ exit 3 · 1.23 s");
        let timeout = Finished {
            outcome: Outcome::Timeout,
            signal: Some(15),
            reason: Some("ran past 30s".into()),
            ..finished
        };
        assert_eq!(
            timeout.status(),
            "✗ timed out · signal 15 · 1.23 s · ran past 30s"
        );
    }
}
