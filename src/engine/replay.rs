//! A drill that replays a recorded session (`cairn drill --replay`): the walk goes through
//! the runbook as usual, asking the trainee what the operator was asked, but no command
//! runs. Each command is answered from the recording: its output (paced over its recorded
//! time), its exit, what it left in the environment. A command the recording does not have
//! is reported as such, never made up. At the end the drill is set beside the original,
//! step by step.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use super::{Engine, Operator};
use crate::exec::{Exit, Finished, Job};
use crate::session::recording::{RecordedCommand, Recording};
use crate::session::{CommandRef, Event, Outcome, ValueSource};

/// The longest a replayed command keeps the trainee waiting, whatever it took originally.
const LONGEST_WAIT: Duration = Duration::from_secs(60);
/// A replayed command's output comes in this many pieces over its time.
const PIECES: usize = 20;

/// A recorded session and its outputs (loaded from the journal by the caller).
pub struct Replay {
    pub recording: Recording,
    /// Outputs by blob id, as `Recording::outputs` lists them.
    pub outputs: HashMap<String, Vec<u8>>,
}

/// How a replayed command went.
pub(super) enum Replayed {
    Finished(Finished),
    /// The recording never ran it.
    NotRecorded,
}

impl<'r> Engine<'r> {
    /// Walks this session as a replay of `replay`.
    pub fn replaying(&mut self, replay: Replay) {
        self.replay = Some(replay);
    }

    /// Answers `at` from the recording, writing its output to `job`'s spool (so the drill's
    /// record has it) and to the operator.
    pub(super) fn replayed(
        &mut self,
        at: &CommandRef,
        job: &Job,
        operator: &mut dyn Operator,
    ) -> Replayed {
        let Some(replay) = &self.replay else {
            return Replayed::NotRecorded;
        };
        let Some(recorded) = replay.recording.command(at).cloned() else {
            return Replayed::NotRecorded;
        };
        let output = recorded
            .output
            .as_ref()
            .and_then(|blob| replay.outputs.get(blob))
            .cloned()
            .unwrap_or_default();
        let mut problems = Vec::new();
        if !output.is_empty() {
            if let Err(error) = write_spool(&job.spool_path(), &output) {
                problems.push(format!("the replayed output could not be kept: {error}"));
            }
        }
        let duration = Duration::from_millis(recorded.duration_ms);
        let interrupted = self.pace(&output, duration.min(LONGEST_WAIT), operator);
        let captured = self.restore_variables(&recorded, operator);
        Replayed::Finished(Finished {
            exit: Exit {
                code: recorded.exit,
                signal: recorded.signal,
            },
            timed_out: recorded.outcome == Outcome::Timeout,
            interrupted,
            duration,
            output_bytes: output.len() as u64,
            state: None,
            captured,
            problems,
            stopped: false,
        })
    }

    /// Hands `output` to the operator in pieces spread over `wait`; true when interrupted.
    fn pace(&self, output: &[u8], wait: Duration, operator: &mut dyn Operator) -> bool {
        let piece = output.len().div_ceil(PIECES).max(1);
        let pieces = output.len().div_ceil(piece).max(1);
        let pause = wait / u32::try_from(pieces).unwrap_or(u32::MAX);
        for chunk in output.chunks(piece) {
            operator.output(chunk);
            if self.pause(pause) {
                return true;
            }
        }
        if output.is_empty() && self.pause(wait) {
            return true;
        }
        false
    }

    /// Puts back what the command left in the shell (recorded as it was, secrets masked);
    /// returns its capture, which the block's own `capture=` then takes as usual.
    fn restore_variables(
        &mut self,
        recorded: &RecordedCommand,
        operator: &mut dyn Operator,
    ) -> Option<Vec<u8>> {
        let mut captured = None;
        for change in &recorded.variables {
            if change.source == ValueSource::Capture {
                captured = change
                    .set
                    .first()
                    .map(|(_, value)| value.text.clone().into_bytes());
                continue;
            }
            for (name, value) in &change.set {
                self.env.restore(name, &value.text);
            }
            for name in &change.unset {
                self.env.remove(name);
            }
            if let Some(cwd) = &change.cwd {
                self.env.cwd = cwd.into();
            }
            self.emit(
                operator,
                Event::VariablesChanged {
                    source: change.source,
                    set: change.set.clone(),
                    unset: change.unset.clone(),
                    cwd: change.cwd.clone(),
                },
            );
        }
        captured
    }

    /// At the end of a replay: the drill beside the original.
    pub(super) fn compare_with_recording(&mut self, operator: &mut dyn Operator) {
        let Some(replay) = &self.replay else {
            return;
        };
        let event = Event::DrillCompared {
            original: replay.recording.session.clone(),
            steps: replay.recording.compare(&self.state),
        };
        self.emit(operator, event);
    }
}

/// The record of a command the recording does not have.
pub(super) fn not_recorded(at: CommandRef, session: &str) -> Event {
    super::run_block::never_ran(
        at,
        format!(
            "not in the recording: session {session} never ran this command, so the drill cannot say what it printed"
        ),
    )
}

fn write_spool(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}
