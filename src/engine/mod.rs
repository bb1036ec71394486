//! The engine walks a runbook: it asks the session core where to go, gets the values a
//! block needs, runs the block through `exec`, and turns everything that happens into
//! events. `--auto`, and later the UI and drills, drive the same engine; they differ only in
//! the `Operator` that answers its questions and shows its events.

mod environment;
mod expect;
mod operator;
mod replay;
mod resume;
mod run_block;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use environment::Environment;
pub use operator::{Action, Ask, Confirmation, NoRecord, Operator, Pending, Recorder};
pub use replay::Replay;

use crate::exec::{Interrupt, Running};
use crate::runbook::{Runbook, Step};
use crate::session::cursor::{self, Next, Route};
use crate::session::{
    CommandRef, Event, Mode, Outcome, SessionInfo, SessionOutcome, SessionState, Stamped,
    ValueSource,
};

/// What the command line (or a test file) answers in advance.
#[derive(Clone, Debug, Default)]
pub struct Answers {
    /// `--param K=V`: variables and placeholders (`--param 'pod name=web-1'`).
    pub params: BTreeMap<String, String>,
    /// `--choose STEP=N`: the 1-based choice to take at a step's decision.
    pub choices: BTreeMap<String, usize>,
    /// `--yes`: every confirmation is answered.
    pub yes: bool,
    /// Someone is there to ask (the UI): a param's default is offered, not taken unasked.
    pub offer_defaults: bool,
}

impl Answers {
    /// Fills what is not given with what `recording` shows was answered: its decisions,
    /// its values (secrets stay masked: a replay runs nothing with them), and yes to every
    /// confirmation.
    pub fn take_recorded(&mut self, recording: &crate::session::recording::Recording) {
        for (step, choice) in &recording.choices {
            self.choices.entry(step.clone()).or_insert(choice + 1);
        }
        for (name, value) in &recording.values {
            self.params
                .entry(name.clone())
                .or_insert_with(|| value.text.clone());
        }
        self.yes = true;
    }
}

/// How the engine is set up for one session.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub session_id: String,
    pub operator: String,
    pub host: String,
    /// Where output spools go.
    pub work_dir: PathBuf,
    /// Where scripts and shell state go while a job runs: in memory, private (they can
    /// hold secrets).
    pub scratch_dir: PathBuf,
    /// Terminal size for commands.
    pub cols: u16,
    pub rows: u16,
    /// Between SIGTERM and SIGKILL when a command is ended.
    pub grace: Duration,
    /// `ssh` and its options, for `host=`.
    pub ssh_command: String,
    /// Someone can type into commands (a terminal on cairn's stdin).
    pub stdin_is_terminal: bool,
}

/// Why a walk stopped before the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A block failed and has no `on_fail`.
    Failed {
        step: String,
        at: String,
    },
    /// A value nobody gave.
    Unanswered(Box<Ask>),
    /// A confirmation nobody gave.
    Unconfirmed(Box<Confirmation>),
    /// A decision nobody took.
    Undecided {
        step: String,
        at: String,
        choices: Vec<String>,
    },
    /// A value that cannot go into the command as it is.
    BadValue {
        name: String,
        message: String,
    },
    Interrupted,
    /// The operator stopped the walk; it can be resumed.
    Quit,
    /// The journal could not record an event: going on would leave no record.
    Journal(String),
    /// A recorded session that cannot carry on (it ended, or its step is gone).
    CannotResume(String),
}

pub struct Engine<'r> {
    runbook: &'r Runbook,
    recorder: Box<dyn Recorder + 'r>,
    /// The first event the recorder could not record; the walk stops at the next check.
    journal_failure: Option<String>,
    settings: Settings,
    answers: Answers,
    pub state: SessionState,
    env: Environment,
    /// Values of `<placeholders>`, by name.
    placeholders: BTreeMap<String, String>,
    /// Runme prompt variables (`export NS="default"`) given a value: their export lines
    /// keep that value instead of their own.
    prompted: std::collections::BTreeSet<String>,
    interrupt: Interrupt,
    background: Vec<(CommandRef, Running)>,
    /// A drill replaying a recorded session: commands are answered from it, none runs.
    replay: Option<Replay>,
    seq: u64,
    jobs: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The directory the runbook is in, absolute.
pub fn runbook_dir(runbook: &Runbook) -> PathBuf {
    let dir = Path::new(&runbook.path)
        .parent()
        .map(Path::to_path_buf)
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    std::path::absolute(&dir).unwrap_or(dir)
}

/// The directory a session starts in: front matter `cwd` (relative to the runbook), or
/// the runbook's own directory, as Runme does.
pub fn start_dir(runbook: &Runbook) -> PathBuf {
    let base = runbook_dir(runbook);
    match &runbook.front_matter.cwd {
        Some(cwd) => base.join(cwd),
        None => base,
    }
}

impl<'r> Engine<'r> {
    pub fn new(
        runbook: &'r Runbook,
        settings: Settings,
        answers: Answers,
        env: Environment,
        interrupt: Interrupt,
        recorder: Box<dyn Recorder + 'r>,
    ) -> Engine<'r> {
        Engine {
            runbook,
            recorder,
            journal_failure: None,
            settings,
            answers,
            state: SessionState::default(),
            env,
            placeholders: BTreeMap::new(),
            prompted: std::collections::BTreeSet::new(),
            interrupt,
            background: Vec::new(),
            replay: None,
            seq: 0,
            jobs: 0,
        }
    }

    fn emit(&mut self, operator: &mut dyn Operator, event: Event) {
        self.seq += 1;
        let stamped = Stamped {
            seq: self.seq,
            at_ms: now_ms(),
            event,
        };
        // Durable first, then shown. After a failure nothing more is recorded: the walk
        // stops at its next check.
        if self.journal_failure.is_none() {
            if let Err(error) = self.recorder.record(&stamped) {
                self.journal_failure = Some(error);
            }
        }
        self.state.apply(&stamped);
        operator.event(&stamped);
    }

    /// Stops the walk when the journal failed.
    fn check_journal(&mut self) -> Result<(), Stop> {
        match self.journal_failure.take() {
            Some(error) => Err(Stop::Journal(error)),
            None => Ok(()),
        }
    }

    /// Stores a command's output for the `command_finished` event about to be emitted.
    fn store_output(&mut self, spool: &std::path::Path) -> Option<crate::session::OutputRef> {
        if self.journal_failure.is_some() {
            return None;
        }
        match self.recorder.store_output(self.seq + 1, spool) {
            Ok(output) => output,
            Err(error) => {
                self.journal_failure = Some(error);
                None
            }
        }
    }

    /// Finishes the recorder's background work (sharing the journal); what it says.
    pub fn finish_recording(&mut self) -> Option<String> {
        self.recorder.finish()
    }

    fn emit_some(&mut self, operator: &mut dyn Operator, event: Option<Event>) {
        if let Some(event) = event {
            self.emit(operator, event);
        }
    }

    /// Walks the runbook from its first step to the end, or to where it must stop.
    pub fn walk(&mut self, operator: &mut dyn Operator) -> Result<(), Stop> {
        let info = SessionInfo {
            id: self.settings.session_id.clone(),
            runbook: self.runbook.path.clone(),
            title: self.runbook.title.clone(),
            mode: self.settings.mode,
            operator: self.settings.operator.clone(),
            host: self.settings.host.clone(),
        };
        self.emit(operator, Event::SessionStarted(info));
        self.prepare_environment(operator);
        let first = cursor::first(self.runbook);
        let result = self.walk_from(first, operator);
        self.finish(result, operator)
    }

    /// Secrets, front-matter `env` and `--param` values, in force from the start.
    fn prepare_environment(&mut self, operator: &mut dyn Operator) {
        self.env.adopt_inherited_secrets();
        for param in &self.runbook.params {
            if param.secret {
                self.env.mark_secret(&param.name);
            }
        }
        let front_env = self.runbook.front_matter.env.clone();
        let event = self.env.set(ValueSource::FrontMatter, front_env);
        self.emit_some(operator, event);
        // What the operator passed is in force from the start, also for code cairn cannot
        // read variables from (a python block's os.environ).
        let given: Vec<(String, String)> = self
            .answers
            .params
            .iter()
            .filter(|(name, _)| crate::runbook::options::is_identifier(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let event = self.env.set(ValueSource::Flag, given);
        self.emit_some(operator, event);
    }

    /// Ends background jobs and records how the session ended.
    fn finish(
        &mut self,
        result: Result<(), Stop>,
        operator: &mut dyn Operator,
    ) -> Result<(), Stop> {
        self.stop_background(operator);
        self.compare_with_recording(operator);
        let outcome = match &result {
            Ok(()) => SessionOutcome::Completed,
            Err(Stop::Failed { .. }) => SessionOutcome::Failed,
            Err(Stop::Interrupted) => SessionOutcome::Interrupted,
            Err(Stop::Quit) => SessionOutcome::Stopped,
            Err(Stop::Journal(_)) => SessionOutcome::Failed,
            Err(_) => SessionOutcome::Stopped,
        };
        self.emit(operator, Event::SessionEnded { outcome });
        result
    }

    fn walk_from(&mut self, mut next: Next<'r>, operator: &mut dyn Operator) -> Result<(), Stop> {
        loop {
            self.check_journal()?;
            if self.interrupt.take() {
                return Err(Stop::Interrupted);
            }
            next = match next {
                Next::End => return Ok(()),
                Next::Decide(_) => unreachable_decision(),
                Next::Step(step) => self.walk_step(step, 0, true, operator)?,
            };
        }
    }

    /// Runs one step from block `from_block`, entering it first unless a resumed walk
    /// carries on inside it; returns where the walk goes from it.
    fn walk_step(
        &mut self,
        step: &'r Step,
        from_block: usize,
        enter: bool,
        operator: &mut dyn Operator,
    ) -> Result<Next<'r>, Stop> {
        if enter {
            self.emit(
                operator,
                Event::StepEntered {
                    step: step.id.clone(),
                },
            );
        }
        if let Some(confirmation) = self.step_confirmation(step) {
            self.confirm(confirmation, operator)?;
        }
        let mut index = from_block;
        while let Some(block) = step.blocks.get(index) {
            if let Some(reason) = cursor::not_runnable(block) {
                if block.kind == crate::runbook::BlockKind::Command {
                    self.emit(
                        operator,
                        Event::BlockSkipped {
                            step: step.id.clone(),
                            block: index,
                            reason: reason.into(),
                        },
                    );
                }
                index += 1;
                continue;
            }
            let edited = match self.ask(operator, Pending::Block { step, index })? {
                Asked::Run(edited) => edited,
                Asked::SkipBlock(reason) => {
                    self.skip_block(step, index, reason, operator);
                    index += 1;
                    continue;
                }
                Asked::SkipStep(reason) => return self.skip_step(step, reason, operator),
            };
            let mut ok = self.run_block(step, index, edited, operator)?;
            self.check_journal()?;
            // A failure the runbook has no edge for goes back to the operator, who can fix
            // the cause and retry (the edited command too), skip, or stop.
            while !ok && cursor::after_block(self.runbook, step, index, ok) == Route::Stop {
                match self.ask(operator, Pending::Failed { step, index }) {
                    Ok(Asked::Run(edited)) => {
                        ok = self.run_block(step, index, edited, operator)?;
                        self.check_journal()?;
                    }
                    Ok(Asked::SkipBlock(reason)) => {
                        self.skip_block(step, index, reason, operator);
                        ok = true;
                    }
                    Ok(Asked::SkipStep(reason)) => return self.skip_step(step, reason, operator),
                    Err(Stop::Quit) => {
                        self.finish_step(step, Outcome::Failed, operator);
                        return Err(Stop::Failed {
                            step: step.id.clone(),
                            at: self.at(block.line, block.col),
                        });
                    }
                    Err(stop) => return Err(stop),
                }
            }
            match cursor::after_block(self.runbook, step, index, ok) {
                Route::Continue | Route::Stop => index += 1,
                Route::Goto(next) => {
                    self.leave(step, operator)?;
                    let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
                    self.finish_step(step, outcome, operator);
                    return self.resolve(step, next, operator);
                }
            }
        }
        self.leave(step, operator)?;
        self.finish_step(step, Outcome::Ok, operator);
        let next = cursor::after_step(self.runbook, step);
        self.resolve(step, next, operator)
    }

    /// Asks the operator what to do at `pending`, recording the notes and ticks they give
    /// on the way.
    fn ask(&mut self, operator: &mut dyn Operator, pending: Pending<'r>) -> Result<Asked, Stop> {
        loop {
            self.record_notes(operator);
            if self.interrupt.take() {
                return Err(Stop::Interrupted);
            }
            let step = match pending {
                Pending::Block { step, .. }
                | Pending::Failed { step, .. }
                | Pending::Leave { step } => step,
            };
            match operator.next(pending) {
                Action::Go => return Ok(Asked::Run(None)),
                Action::RunEdited(text) => return Ok(Asked::Run(Some(text))),
                Action::SkipBlock(reason) => return Ok(Asked::SkipBlock(reason)),
                Action::SkipStep(reason) => return Ok(Asked::SkipStep(reason)),
                Action::Quit => return Err(Stop::Quit),
                Action::Note(text) => self.note(Some(&step.id), text, operator),
                Action::Tick(check) => {
                    if check < step.checks.len() {
                        self.emit(
                            operator,
                            Event::CheckTicked {
                                step: step.id.clone(),
                                check,
                            },
                        );
                    }
                }
            }
            self.check_journal()?;
        }
    }

    /// Waits for the operator's word to leave `step` (they may note or tick first).
    fn leave(&mut self, step: &'r Step, operator: &mut dyn Operator) -> Result<(), Stop> {
        match self.ask(operator, Pending::Leave { step })? {
            Asked::Run(_) | Asked::SkipBlock(_) | Asked::SkipStep(_) => Ok(()),
        }
    }

    /// Records the notes the operator wrote while a command ran.
    fn record_notes(&mut self, operator: &mut dyn Operator) {
        for text in operator.notes() {
            let step = self.state.current.clone();
            self.note(step.as_deref(), text, operator);
        }
    }

    fn note(&mut self, step: Option<&str>, text: String, operator: &mut dyn Operator) {
        let text = self.env.secrets().redact_str(&text);
        self.emit(
            operator,
            Event::NoteAdded {
                step: step.map(str::to_string),
                text,
            },
        );
    }

    fn skip_block(
        &mut self,
        step: &Step,
        index: usize,
        reason: String,
        operator: &mut dyn Operator,
    ) {
        self.emit(
            operator,
            Event::BlockSkipped {
                step: step.id.clone(),
                block: index,
                reason,
            },
        );
    }

    /// Leaves `step` unfinished, by the operator's choice; the walk goes where it would
    /// have gone after the step.
    fn skip_step(
        &mut self,
        step: &'r Step,
        reason: String,
        operator: &mut dyn Operator,
    ) -> Result<Next<'r>, Stop> {
        self.emit(
            operator,
            Event::StepSkipped {
                step: step.id.clone(),
                reason,
            },
        );
        let next = cursor::after_step(self.runbook, step);
        self.resolve(step, next, operator)
    }

    fn finish_step(&mut self, step: &Step, outcome: Outcome, operator: &mut dyn Operator) {
        self.emit(
            operator,
            Event::StepFinished {
                step: step.id.clone(),
                outcome,
            },
        );
    }

    /// Turns a decision into the step it leads to, asking the operator.
    fn resolve(
        &mut self,
        step: &Step,
        next: Next<'r>,
        operator: &mut dyn Operator,
    ) -> Result<Next<'r>, Stop> {
        let Next::Decide(decision) = next else {
            return Ok(next);
        };
        let given = self
            .answers
            .choices
            .get(&step.id)
            .and_then(|n| n.checked_sub(1));
        let chosen = given.or_else(|| operator.choose(step, decision));
        let taken =
            chosen.and_then(|index| Some((index, cursor::choose(self.runbook, decision, index)?)));
        let Some((index, target)) = taken else {
            return Err(Stop::Undecided {
                step: step.id.clone(),
                at: self.at(decision.line, 1),
                choices: decision
                    .choices
                    .iter()
                    .map(|choice| choice.label.clone())
                    .collect(),
            });
        };
        let to = match target {
            Next::Step(next) => next.id.clone(),
            _ => crate::runbook::END.to_string(),
        };
        self.emit(
            operator,
            Event::DecisionTaken {
                step: step.id.clone(),
                choice: index,
                to,
            },
        );
        Ok(target)
    }

    /// `file:line:col` in the runbook.
    fn at(&self, line: usize, col: usize) -> String {
        format!("{}:{line}:{col}", self.runbook.path)
    }

    fn step_confirmation(&self, step: &Step) -> Option<Confirmation> {
        let confirm = step.options.confirm.as_ref()?;
        Some(Confirmation {
            step: step.id.clone(),
            block: None,
            reason: match confirm {
                crate::runbook::options::Confirm::Message(message) => message.clone(),
                crate::runbook::options::Confirm::Yes => {
                    format!("step '{}' asks for confirmation", step.title)
                }
            },
            at: self.at(step.line, 1),
        })
    }

    /// Asks for a typed confirmation (a dry run asks for none: it runs nothing).
    fn confirm(
        &mut self,
        confirmation: Confirmation,
        operator: &mut dyn Operator,
    ) -> Result<(), Stop> {
        if self.settings.mode == Mode::DryRun {
            return Ok(());
        }
        let answer = if self.answers.yes {
            Some("--yes".to_string())
        } else {
            operator.confirm(&confirmation)
        };
        let Some(answer) = answer else {
            return Err(Stop::Unconfirmed(Box::new(confirmation)));
        };
        self.emit(
            operator,
            Event::Confirmed {
                step: confirmation.step.clone(),
                block: confirmation.block,
                answer,
            },
        );
        Ok(())
    }

    fn stop_background(&mut self, operator: &mut dyn Operator) {
        for (at, running) in std::mem::take(&mut self.background) {
            let spool = running.spool_path().to_path_buf();
            let finished = running.stop();
            let output = self.store_output(&spool);
            let (outcome, reason) = if finished.stopped {
                // Ended as planned: a background block lives as long as its session.
                (Outcome::Ok, "ended with the session".to_string())
            } else if finished.exit.code == Some(0) {
                (Outcome::Ok, "ended on its own".to_string())
            } else {
                (
                    Outcome::Failed,
                    "ended on its own before the session did".to_string(),
                )
            };
            let event = run_block::command_finished(at, outcome, &finished, Some(reason), output);
            self.emit(operator, event);
        }
    }
}

/// The operator's answer at a `Pending` point, once notes and ticks are recorded.
enum Asked {
    /// Run the block (as edited, if it was), or leave the step.
    Run(Option<String>),
    SkipBlock(String),
    SkipStep(String),
}

/// `walk_step` resolves decisions before returning, so the loop never sees one.
fn unreachable_decision() -> Next<'static> {
    Next::End
}
