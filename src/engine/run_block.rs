//! Running one block: its confirmation, its values, its commands in order (a console
//! transcript's commands one by one, stopping at the first failure), its retries, its
//! capture, and the shell state it leaves for the next block.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use crate::exec::{self, Capture, Finished, Job, Place, Terminal};
use crate::runbook::options::{Confirm, Rehearsal};
use crate::runbook::variables::prompt_env;
use crate::runbook::{Block, Step};
use crate::session::quote::{occurrences, substitute};
use crate::session::redact::MASK;
use crate::session::{CommandRef, Event, Mode, Outcome, ValueSource};

use super::expect::{judge, output_matches};
use super::replay::{not_recorded, Replayed};
use super::values::placeholder_is_secret;
use super::{Confirmation, Engine, Operator, Stop};

/// The record of a command that ran.
pub(super) fn command_finished(
    at: CommandRef,
    outcome: Outcome,
    finished: &Finished,
    reason: Option<String>,
    output: Option<crate::session::OutputRef>,
) -> Event {
    Event::CommandFinished {
        at,
        outcome,
        exit: finished.exit.code,
        signal: finished.exit.signal,
        duration_ms: u64::try_from(finished.duration.as_millis()).unwrap_or(u64::MAX),
        output_bytes: finished.output_bytes,
        reason,
        output,
    }
}

/// The record of a command that could not be started.
fn not_started(at: CommandRef, error: &exec::ExecError) -> Event {
    never_ran(at, error.to_string())
}

/// The record of a command that never ran, and why.
pub(super) fn never_ran(at: CommandRef, reason: String) -> Event {
    Event::CommandFinished {
        at,
        outcome: Outcome::Error,
        exit: None,
        signal: None,
        duration_ms: 0,
        output_bytes: 0,
        reason: Some(reason),
        output: None,
    }
}

/// A command as it runs and as it is recorded and shown.
struct Rendered {
    run: String,
    /// Redacted.
    shown: String,
}

/// The most of a command's stdout `capture=` keeps: one environment string must stay under
/// 128 KiB, or no later program could even be started with it.
const CAPTURE_LIMIT: usize = 100 * 1024;
/// Between tries of a `retry=` block when `retry_delay` is not given.
const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

impl<'r> Engine<'r> {
    /// Runs block `index` of `step`, or `edited` in place of its commands; returns whether
    /// it succeeded.
    pub(super) fn run_block(
        &mut self,
        step: &'r Step,
        index: usize,
        edited: Option<String>,
        operator: &mut dyn Operator,
    ) -> Result<bool, Stop> {
        let block = &step.blocks[index];
        // A drill (not a replay, which runs nothing) does what `rehearsal=` says instead.
        let stand_in = match &block.options.rehearsal {
            Some(rehearsal) if self.rehearsing() && edited.is_none() => match rehearsal {
                Rehearsal::Skip => {
                    self.emit(
                        operator,
                        Event::BlockSkipped {
                            step: step.id.clone(),
                            block: index,
                            reason: "rehearsal=skip: a drill does not run it".into(),
                        },
                    );
                    return Ok(true);
                }
                Rehearsal::Run(command) => Some(command.clone()),
            },
            _ => None,
        };
        // The confirmation is for the block's own commands, not for its stand-in.
        if stand_in.is_none() {
            if let Some(confirmation) = self.block_confirmation(step, index, block) {
                self.confirm(confirmation, operator)?;
            }
        }
        self.gather_values(block, operator)?;
        let names: Vec<&str> = block
            .placeholders
            .iter()
            .map(|placeholder| placeholder.name.as_str())
            .collect();
        let commands = match (&edited, &stand_in) {
            (Some(text), _) => {
                let command = self.render_command(text, &names)?;
                self.emit(
                    operator,
                    Event::BlockEdited {
                        step: step.id.clone(),
                        block: index,
                        text: command.shown.clone(),
                    },
                );
                vec![command]
            }
            (None, Some(text)) => {
                let command = self.render_command(text, &names)?;
                self.emit(
                    operator,
                    Event::Rehearsed {
                        step: step.id.clone(),
                        block: index,
                        text: command.shown.clone(),
                    },
                );
                vec![command]
            }
            (None, None) => self.render(block)?,
        };
        let interpreter = block.interpreter.clone().unwrap_or_else(|| "bash".into());
        if self.settings.mode == Mode::DryRun {
            for command in &commands {
                let values = self.values_shown(block);
                operator.would_run(&command.shown, &interpreter, &values);
            }
            self.emit(
                operator,
                Event::BlockSkipped {
                    step: step.id.clone(),
                    block: index,
                    reason: "dry run".into(),
                },
            );
            return Ok(true);
        }
        // A replay runs nothing, so nothing runs in the background either.
        if block.options.background && self.replay.is_none() {
            return Ok(self.start_background(step, index, &commands, &interpreter, operator));
        }
        let tries = block.options.retry.unwrap_or(0).saturating_add(1);
        let mut outcome = Outcome::Error;
        let mut attempt = 0;
        while attempt < tries {
            attempt += 1;
            outcome = self.attempt(step, index, &commands, &interpreter, attempt, operator);
            if outcome == Outcome::Ok || outcome == Outcome::Interrupted || attempt == tries {
                break;
            }
            let delay = block.options.retry_delay.unwrap_or(DEFAULT_RETRY_DELAY);
            if self.pause(delay) {
                outcome = Outcome::Interrupted;
                break;
            }
        }
        self.emit(
            operator,
            Event::BlockFinished {
                step: step.id.clone(),
                block: index,
                outcome,
                attempts: attempt,
            },
        );
        if outcome == Outcome::Interrupted {
            return Err(Stop::Interrupted);
        }
        Ok(outcome == Outcome::Ok)
    }

    /// A drill that runs commands (a replay runs none): `rehearsal=` applies.
    fn rehearsing(&self) -> bool {
        self.settings.mode == Mode::Drill && self.replay.is_none()
    }

    /// Waits `delay` unless interrupted first (true when interrupted).
    pub(super) fn pause(&self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if self.interrupt.take() {
                return true;
            }
            thread::sleep(
                Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())),
            );
        }
        false
    }

    /// A block needs its own confirmation when it asks for one, or when it is destructive
    /// in a step that did not already ask.
    fn block_confirmation(&self, step: &Step, index: usize, block: &Block) -> Option<Confirmation> {
        let reason = match (&block.options.confirm, &block.destructive) {
            (Some(Confirm::Message(message)), _) => message.clone(),
            (Some(Confirm::Yes), Some(why)) => format!("destructive: {why}"),
            (Some(Confirm::Yes), None) => "this block asks for confirmation".into(),
            (None, _) if step.options.confirm.is_some() => return None,
            (None, Some(why)) => format!("destructive: {why}"),
            (None, None) if block.options.danger => "marked `danger`".into(),
            (None, None) => return None,
        };
        Some(Confirmation {
            step: step.id.clone(),
            block: Some(index),
            reason,
            at: self.at(block.line, block.col),
        })
    }

    /// The commands with their placeholders replaced by quoted values.
    fn render(&self, block: &Block) -> Result<Vec<Rendered>, Stop> {
        let mut rendered = Vec::with_capacity(block.commands.len());
        for (index, command) in block.commands.iter().enumerate() {
            let known: Vec<&str> = block
                .placeholders
                .iter()
                .filter(|placeholder| placeholder.command == index)
                .map(|placeholder| placeholder.name.as_str())
                .collect();
            rendered.push(self.render_command(command, &known)?);
        }
        Ok(rendered)
    }

    /// One command with the placeholders named in `known` replaced by quoted values.
    fn render_command(&self, command: &str, known: &[&str]) -> Result<Rendered, Stop> {
        let command = &self.keep_prompted(command);
        let run = if known.is_empty() {
            command.clone()
        } else {
            let found = occurrences(command, known);
            substitute(command, &found, |name| self.placeholders.get(name).cloned()).map_err(
                |(name, error)| Stop::BadValue {
                    name: format!("<{name}>"),
                    message: error.to_string(),
                },
            )?
        };
        // A quoted secret no longer reads as the secret (`'pa'\''ss'`), so redaction
        // could miss it: such a command is recorded as written, with its `<placeholder>`.
        let secret = known.iter().any(|name| placeholder_is_secret(name));
        let shown = self
            .env
            .secrets()
            .redact_str(if secret { command } else { &run });
        Ok(Rendered { run, shown })
    }

    /// `export NS="default"` becomes `export NS` when NS was given a value, so the value
    /// (in the environment) stands.
    fn keep_prompted(&self, command: &str) -> String {
        if self.prompted.is_empty() {
            return command.to_string();
        }
        let mut out = String::with_capacity(command.len());
        for line in command.split_inclusive('\n') {
            let body = line.trim_end_matches('\n');
            match prompt_env(body) {
                Some(prompt) if self.prompted.contains(&prompt.name) => {
                    let indent = &body[..body.len() - body.trim_start().len()];
                    out.push_str(indent);
                    out.push_str("export ");
                    out.push_str(&prompt.name);
                    out.push_str(&line[body.len()..]);
                }
                _ => out.push_str(line),
            }
        }
        out
    }

    /// The variables a block reads, as a dry run shows them (secrets masked).
    fn values_shown(&self, block: &Block) -> Vec<(String, String)> {
        let mut shown = Vec::new();
        for name in &block.variables {
            let value = match self.env.get(name) {
                Some(value)
                    if crate::runbook::variables::is_secret_name(name)
                        || self.is_secret_value(value) =>
                {
                    MASK.to_string()
                }
                Some(value) => value.to_string(),
                None => "(not set)".to_string(),
            };
            shown.push((format!("${name}"), value));
        }
        for placeholder in &block.placeholders {
            let value = self.placeholders.get(&placeholder.name).map_or_else(
                || "(not given)".to_string(),
                |value| self.env.secrets().redact_str(value),
            );
            shown.push((format!("<{}>", placeholder.name), value));
        }
        shown.dedup();
        shown
    }

    fn is_secret_value(&self, value: &str) -> bool {
        self.env.secrets().redact_str(value) != value
    }

    fn job(
        &mut self,
        step: &Step,
        block: &Block,
        command_index: usize,
        script: &str,
        interpreter: &str,
    ) -> Job {
        self.jobs += 1;
        let host = block
            .options
            .host
            .clone()
            .or_else(|| block.command_hosts.get(command_index).cloned().flatten());
        let place = match host {
            Some(destination) => Place::Remote {
                ssh_command: self.settings.ssh_command.clone(),
                destination,
                exports: block
                    .variables
                    .iter()
                    .filter_map(|name| Some((name.clone(), self.env.get(name)?.to_string())))
                    .collect(),
            },
            None => Place::Here,
        };
        let cwd = match &block.options.cwd {
            Some(dir) => super::runbook_dir(self.runbook).join(dir),
            None => self.env.cwd.clone(),
        };
        let capture = block.options.capture.as_ref().map(|name| Capture {
            limit: CAPTURE_LIMIT,
            secret: self.env.is_secret(name),
        });
        Job {
            script: script.to_string(),
            interpreter: interpreter.to_string(),
            place,
            env: self.env.vars(),
            cwd,
            terminal: if capture.is_some() {
                Terminal::Pipes
            } else {
                Terminal::Pty {
                    cols: self.settings.cols,
                    rows: self.settings.rows,
                }
            },
            timeout: block.options.timeout.or(step.options.timeout),
            grace: self.settings.grace,
            dir: self.settings.work_dir.clone(),
            scratch: self.settings.scratch_dir.clone(),
            name: format!("{:06}", self.jobs),
            secrets: self.env.secrets().clone(),
            streamed: true,
            capture,
            eof_on_stdin: !self.settings.stdin_is_terminal,
        }
    }

    /// One try at a block: its commands in order, stopping at the first that fails.
    fn attempt(
        &mut self,
        step: &Step,
        index: usize,
        commands: &[Rendered],
        interpreter: &str,
        attempt: u32,
        operator: &mut dyn Operator,
    ) -> Outcome {
        let block = &step.blocks[index];
        let mut spools: Vec<PathBuf> = Vec::new();
        for (command_index, command) in commands.iter().enumerate() {
            // A Ctrl-C between two commands stops before the next one starts.
            if self.interrupt.take() {
                return Outcome::Interrupted;
            }
            let job = self.job(step, block, command_index, &command.run, interpreter);
            let at = CommandRef {
                step: step.id.clone(),
                block: index,
                command: command_index,
                attempt,
            };
            let started = self.command_started(&at, &command.shown, &job);
            self.emit(operator, started);
            spools.push(job.spool_path());
            let finished = if let Some(replay) = &self.replay {
                let session = replay.recording.session.clone();
                match self.replayed(&at, &job, operator) {
                    Replayed::Finished(finished) => finished,
                    Replayed::NotRecorded => {
                        self.emit(operator, not_recorded(at, &session));
                        return Outcome::Error;
                    }
                }
            } else {
                match self.execute(&job, operator) {
                    Ok(finished) => finished,
                    Err(error) => {
                        self.emit(operator, not_started(at, &error));
                        return Outcome::Error;
                    }
                }
            };
            let (mut outcome, mut reason) = judge(&finished, &block.options);
            if outcome == Outcome::Ok
                && block.options.capture.is_some()
                && finished.captured.is_none()
            {
                // What the block was to capture cannot be trusted: later blocks would run
                // with a wrong value.
                outcome = Outcome::Failed;
            }
            let last = command_index + 1 == commands.len();
            if outcome == Outcome::Ok && last {
                if let Some(pattern) = &block.options.expect_output {
                    let paths: Vec<&std::path::Path> =
                        spools.iter().map(PathBuf::as_path).collect();
                    if let Some(why) = output_matches(pattern, &paths) {
                        outcome = Outcome::Failed;
                        reason = Some(why);
                    }
                }
            }
            if !finished.problems.is_empty() {
                let problems = finished.problems.join("; ");
                reason = Some(reason.map_or(problems.clone(), |why| format!("{why}; {problems}")));
            }
            self.absorb(block, outcome, &finished, operator);
            let output = self.store_output(&job.spool_path());
            self.emit(
                operator,
                command_finished(at, outcome, &finished, reason, output),
            );
            self.record_notes(operator);
            if outcome != Outcome::Ok {
                return outcome;
            }
        }
        Outcome::Ok
    }

    /// The record of `job` starting; `shown` is the command as recorded (redacted).
    fn command_started(&self, at: &CommandRef, shown: &str, job: &Job) -> Event {
        Event::CommandStarted {
            at: at.clone(),
            text: shown.to_string(),
            cwd: self.env.secrets().redact_str(&job.cwd.to_string_lossy()),
            host: match &job.place {
                Place::Remote { destination, .. } => Some(destination.clone()),
                Place::Here => None,
            },
        }
    }

    /// Runs a job to its end, passing its output to the operator as it comes.
    fn execute(
        &mut self,
        job: &Job,
        operator: &mut dyn Operator,
    ) -> Result<Finished, exec::ExecError> {
        let running = exec::spawn(job)?;
        if let Some(terminal) = running.terminal() {
            operator.attach(&terminal);
        }
        Ok(running.wait(&self.interrupt, |chunk| operator.output(chunk)))
    }

    /// Takes what a finished job leaves for later blocks: its shell state and its capture.
    /// The shell's state carries over whatever the exit code (as in one shell session); a
    /// capture only from a block that succeeded.
    fn absorb(
        &mut self,
        block: &Block,
        outcome: Outcome,
        finished: &Finished,
        operator: &mut dyn Operator,
    ) {
        if let Some(state) = finished.state.clone() {
            let event = self.env.absorb(state, block.options.cwd.is_some());
            self.emit_some(operator, event);
        }
        if outcome != Outcome::Ok {
            return;
        }
        if let (Some(name), Some(bytes)) = (&block.options.capture, &finished.captured) {
            let text = String::from_utf8_lossy(bytes);
            let value = crate::ansi::strip(text.trim().as_bytes());
            let event = self
                .env
                .set(ValueSource::Capture, vec![(name.clone(), value)]);
            self.emit_some(operator, event);
        }
    }

    /// Starts a `background` block: it runs while the walk goes on and ends with the session.
    fn start_background(
        &mut self,
        step: &Step,
        index: usize,
        commands: &[Rendered],
        interpreter: &str,
        operator: &mut dyn Operator,
    ) -> bool {
        let block = &step.blocks[index];
        let script: Vec<&str> = commands
            .iter()
            .map(|command| command.run.as_str())
            .collect();
        let shown: Vec<&str> = commands
            .iter()
            .map(|command| command.shown.as_str())
            .collect();
        let mut job = self.job(step, block, 0, &script.join("\n"), interpreter);
        job.streamed = false;
        job.timeout = None;
        let at = CommandRef {
            step: step.id.clone(),
            block: index,
            command: 0,
            attempt: 1,
        };
        let started = self.command_started(&at, &shown.join("\n"), &job);
        self.emit(operator, started);
        let outcome = match exec::spawn(&job) {
            Ok(running) => {
                self.background.push((at, running));
                Outcome::Ok
            }
            Err(error) => {
                self.emit(operator, not_started(at, &error));
                Outcome::Error
            }
        };
        self.emit(
            operator,
            Event::BlockFinished {
                step: step.id.clone(),
                block: index,
                outcome,
                attempts: 1,
            },
        );
        outcome == Outcome::Ok
    }
}
