//! What can happen in a session. The journal stores these, the UI and `--auto` show them,
//! and review, resume and drills fold them back into a `SessionState`.
//!
//! Events carry no secret: a secret value is replaced by `redact::MASK` before an event is
//! made, and `secret: true` says so. Field names are part of the journal's format: renaming
//! one breaks every recorded session.

use serde::{Deserialize, Serialize};

/// One event with its place in the session and the time it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// 1 for the first event of a session, then one more for each.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    #[serde(flatten)]
    pub event: Event,
}

impl Stamped {
    /// `events` as a session's, in order: numbered from 1, the first at `first_ms` and each
    /// next one `step_ms` later (how tests build a session by hand).
    pub fn numbered(events: Vec<Event>, first_ms: u64, step_ms: u64) -> Vec<Stamped> {
        events
            .into_iter()
            .zip(0u64..)
            .map(|(event, index)| Stamped {
                seq: index + 1,
                at_ms: first_ms + step_ms * index,
                event,
            })
            .collect()
    }
}

/// How a session was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Live,
    Drill,
    DryRun,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Live => "LIVE",
            Mode::Drill => "DRILL",
            Mode::DryRun => "DRY-RUN",
        }
    }
}

/// What a session is about, recorded once at its start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub runbook: String,
    pub title: String,
    pub mode: Mode,
    pub operator: String,
    pub host: String,
}

/// Where a variable's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueSource {
    /// `--param K=V` on the command line.
    Flag,
    /// Front-matter `env`.
    FrontMatter,
    /// A param's `default`.
    Default,
    /// Typed by the operator.
    Prompt,
    /// Taken from cairn's own environment.
    Environment,
    /// `capture=` or an UPPER_CASE block name.
    Capture,
    /// `export`, `unset` or `cd` in a block.
    Shell,
}

/// A value as recorded: the text, or `redact::MASK` when it is a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// How one run of a command (or a whole block) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Succeeded by the block's `expect` / `expect_output` rules.
    Ok,
    Failed,
    /// Ended by its `timeout`.
    Timeout,
    /// Interrupted by the operator (Ctrl-C) or by the end of the session.
    Interrupted,
    /// Could not be started at all (no such interpreter, an unanswered value…).
    Error,
    /// Not run: a drill skipped it, or it only runs on request.
    Skipped,
}

impl Outcome {
    pub fn is_ok(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Skipped)
    }

    /// The outcome in words, for people.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timed out",
            Outcome::Interrupted => "interrupted",
            Outcome::Error => "could not run",
            Outcome::Skipped => "skipped",
        }
    }
}

/// How a whole session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionOutcome {
    /// The walk reached `end`.
    Completed,
    /// A block failed with nowhere to go.
    Failed,
    /// The walk stopped at something it could not answer (a decision, a confirmation, a
    /// value) or the operator stopped it.
    Stopped,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
}

/// A command's output as the journal keeps it: git object ids of the raw bytes (redacted)
/// and of the text (escape sequences removed). The ids are hashes of the content, so a
/// changed output no longer matches its event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRef {
    pub raw: String,
    pub text: String,
}

impl SessionOutcome {
    /// The outcome as written in events and `cairn log` (`completed`).
    pub fn word(self) -> &'static str {
        match self {
            SessionOutcome::Completed => "completed",
            SessionOutcome::Failed => "failed",
            SessionOutcome::Stopped => "stopped",
            SessionOutcome::Interrupted => "interrupted",
        }
    }
}

/// Which command: step id, block index within the step, command index within the block, and
/// attempt (1 for the first run; `retry=` adds more).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CommandRef {
    pub step: String,
    pub block: usize,
    pub command: usize,
    pub attempt: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    SessionStarted(SessionInfo),
    /// Variables set, changed or removed: by params, by a capture, or by the shell state a
    /// block left behind (`export`, `unset`, `cd`). Only differences are recorded, never
    /// the operator's whole environment.
    VariablesChanged {
        source: ValueSource,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        set: Vec<(String, Value)>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unset: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
    },
    StepEntered {
        step: String,
    },
    /// The operator confirmed a destructive or `confirm` step or block.
    Confirmed {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block: Option<usize>,
        /// What was typed, or `--yes`.
        answer: String,
    },
    CommandStarted {
        #[serde(flatten)]
        at: CommandRef,
        /// The command as run, placeholders substituted, secrets redacted.
        text: String,
        cwd: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
    },
    CommandFinished {
        #[serde(flatten)]
        at: CommandRef,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<i32>,
        duration_ms: u64,
        output_bytes: u64,
        /// Why it failed, in words, when the exit code does not say it all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Where the journal keeps the output (none without a journal, or no output).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<OutputRef>,
    },
    BlockFinished {
        step: String,
        block: usize,
        outcome: Outcome,
        attempts: u32,
    },
    /// A block that was not run, and why.
    BlockSkipped {
        step: String,
        block: usize,
        reason: String,
    },
    /// The operator changed a block's commands before running it; `text` is what ran in
    /// their place (redacted).
    BlockEdited {
        step: String,
        block: usize,
        text: String,
    },
    /// In a drill, the block ran its `rehearsal` command in place of its own.
    Rehearsed {
        step: String,
        block: usize,
        text: String,
    },
    CheckTicked {
        step: String,
        check: usize,
    },
    DecisionTaken {
        step: String,
        choice: usize,
        to: String,
    },
    StepSkipped {
        step: String,
        reason: String,
    },
    StepFinished {
        step: String,
        outcome: Outcome,
    },
    NoteAdded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        text: String,
    },
    /// A drill that replayed a recorded session, set beside it step by step.
    DrillCompared {
        /// The recorded session's id.
        original: String,
        steps: Vec<super::recording::ComparedStep>,
    },
    SessionEnded {
        outcome: SessionOutcome,
    },
    /// The walk carries on after a crash or a stop (`cairn resume`), perhaps by someone
    /// else, perhaps with a changed runbook.
    SessionResumed {
        operator: String,
        host: String,
        /// The runbook differs from the one the session started with.
        runbook_changed: bool,
    },
}

impl Event {
    /// The event's type as its JSON writes it (`command_finished`).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SessionStarted(_) => "session_started",
            Event::VariablesChanged { .. } => "variables_changed",
            Event::StepEntered { .. } => "step_entered",
            Event::Confirmed { .. } => "confirmed",
            Event::CommandStarted { .. } => "command_started",
            Event::CommandFinished { .. } => "command_finished",
            Event::BlockFinished { .. } => "block_finished",
            Event::BlockSkipped { .. } => "block_skipped",
            Event::BlockEdited { .. } => "block_edited",
            Event::Rehearsed { .. } => "rehearsed",
            Event::CheckTicked { .. } => "check_ticked",
            Event::DecisionTaken { .. } => "decision_taken",
            Event::StepSkipped { .. } => "step_skipped",
            Event::StepFinished { .. } => "step_finished",
            Event::NoteAdded { .. } => "note_added",
            Event::DrillCompared { .. } => "drill_compared",
            Event::SessionEnded { .. } => "session_ended",
            Event::SessionResumed { .. } => "session_resumed",
        }
    }

    /// The step the event is about, if any.
    pub fn step(&self) -> Option<&str> {
        match self {
            Event::StepEntered { step }
            | Event::Confirmed { step, .. }
            | Event::BlockFinished { step, .. }
            | Event::BlockSkipped { step, .. }
            | Event::BlockEdited { step, .. }
            | Event::Rehearsed { step, .. }
            | Event::CheckTicked { step, .. }
            | Event::DecisionTaken { step, .. }
            | Event::StepSkipped { step, .. }
            | Event::StepFinished { step, .. } => Some(step),
            Event::CommandStarted { at, .. } | Event::CommandFinished { at, .. } => Some(&at.step),
            Event::NoteAdded { step, .. } => step.as_deref(),
            Event::SessionStarted(_)
            | Event::VariablesChanged { .. }
            | Event::SessionEnded { .. }
            | Event::DrillCompared { .. }
            | Event::SessionResumed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_flat_with_a_type_tag() {
        let event = Stamped {
            seq: 3,
            at_ms: 1_700_000_000_000,
            event: Event::CommandFinished {
                at: CommandRef {
                    step: "check-lag".into(),
                    block: 0,
                    command: 1,
                    attempt: 2,
                },
                outcome: Outcome::Timeout,
                exit: None,
                signal: Some(15),
                duration_ms: 1200,
                output_bytes: 10,
                reason: None,
                output: None,
            },
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"seq":3,"at_ms":1700000000000,"type":"command_finished","step":"check-lag","block":0,"command":1,"attempt":2,"outcome":"timeout","signal":15,"duration_ms":1200,"output_bytes":10}"#
        );
        let back: Stamped = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn kind_is_the_type_tag_of_every_event() {
        let at = CommandRef {
            step: "s".into(),
            block: 0,
            command: 0,
            attempt: 1,
        };
        let step = || "s".to_string();
        let events = [
            Event::SessionStarted(SessionInfo {
                id: "i".into(),
                runbook: "r".into(),
                title: "t".into(),
                mode: Mode::Live,
                operator: "o".into(),
                host: "h".into(),
            }),
            Event::VariablesChanged {
                source: ValueSource::Shell,
                set: vec![],
                unset: vec![],
                cwd: None,
            },
            Event::StepEntered { step: step() },
            Event::Confirmed {
                step: step(),
                block: None,
                answer: "yes".into(),
            },
            Event::CommandStarted {
                at: at.clone(),
                text: "x".into(),
                cwd: "/".into(),
                host: None,
            },
            Event::CommandFinished {
                at,
                outcome: Outcome::Ok,
                exit: Some(0),
                signal: None,
                duration_ms: 0,
                output_bytes: 0,
                reason: None,
                output: None,
            },
            Event::BlockFinished {
                step: step(),
                block: 0,
                outcome: Outcome::Ok,
                attempts: 1,
            },
            Event::BlockSkipped {
                step: step(),
                block: 0,
                reason: "r".into(),
            },
            Event::CheckTicked {
                step: step(),
                check: 0,
            },
            Event::DecisionTaken {
                step: step(),
                choice: 0,
                to: "end".into(),
            },
            Event::StepSkipped {
                step: step(),
                reason: "r".into(),
            },
            Event::StepFinished {
                step: step(),
                outcome: Outcome::Ok,
            },
            Event::NoteAdded {
                step: None,
                text: "n".into(),
            },
            Event::SessionEnded {
                outcome: SessionOutcome::Completed,
            },
            Event::SessionResumed {
                operator: "o".into(),
                host: "h".into(),
                runbook_changed: false,
            },
        ];
        for event in events {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"].as_str(), Some(event.kind()));
        }
    }

    #[test]
    fn a_secret_value_records_only_the_flag() {
        let event = Event::VariablesChanged {
            source: ValueSource::Prompt,
            set: vec![(
                "API_TOKEN".into(),
                Value {
                    text: "[redacted]".into(),
                    secret: true,
                },
            )],
            unset: vec![],
            cwd: None,
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"type":"variables_changed","source":"prompt","set":[["API_TOKEN",{"text":"[redacted]","secret":true}]]}"#
        );
    }
}
