//! A past session as a drill replays it: for each command it ran (step, block, command,
//! attempt), how it ended, how long it took, what it printed and what it left in the
//! environment; the decisions taken and the values given; and the time spent in each step,
//! for the side-by-side comparison at the end of the drill.
//!
//! Built from the session's events alone (plus its stored outputs, which the caller reads
//! from the journal): pure, like the rest of the session core.

use std::collections::BTreeMap;

use super::{CommandRef, Event, Outcome, SessionState, Stamped, Value, ValueSource};

/// One command as the past session ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCommand {
    pub outcome: Outcome,
    pub exit: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub reason: Option<String>,
    /// The output's blob id in the journal, if any was stored.
    pub output: Option<String>,
    /// Variables the command left behind (its shell state, its capture), as recorded.
    pub variables: Vec<RecordedVariables>,
}

/// One `variables_changed` event a command caused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedVariables {
    pub source: ValueSource,
    pub set: Vec<(String, Value)>,
    pub unset: Vec<String>,
    pub cwd: Option<String>,
}

/// A step of the comparison: where each walk spent how long.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComparedStep {
    pub step: String,
    /// Time in the step in the original session (all visits), if it went there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_ms: Option<u64>,
    /// Time in the step in the drill, if it went there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_ms: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// The recorded session's id.
    pub session: String,
    commands: BTreeMap<CommandRef, RecordedCommand>,
    /// The choice taken at each decision (the last one, for a step visited twice).
    pub choices: BTreeMap<String, usize>,
    /// Values given for params and variables (flags, defaults, answers), as recorded:
    /// secrets are masked.
    pub values: BTreeMap<String, Value>,
    /// The original path: steps in the order first entered, with their time.
    pub steps: Vec<(String, u64)>,
    /// Start to end of the original session.
    pub total_ms: u64,
}

impl Recording {
    pub fn from_events(session: &str, events: &[Stamped]) -> Recording {
        let mut recording = Recording {
            session: session.to_string(),
            ..Recording::default()
        };
        // Variables changed while a command ran belong to that command.
        let mut running: Option<CommandRef> = None;
        let mut pending: Vec<RecordedVariables> = Vec::new();
        for stamped in events {
            match &stamped.event {
                Event::CommandStarted { at, .. } => {
                    running = Some(at.clone());
                    pending.clear();
                }
                Event::VariablesChanged {
                    source,
                    set,
                    unset,
                    cwd,
                } => {
                    let change = RecordedVariables {
                        source: *source,
                        set: set.clone(),
                        unset: unset.clone(),
                        cwd: cwd.clone(),
                    };
                    if running.is_some()
                        && matches!(source, ValueSource::Shell | ValueSource::Capture)
                    {
                        pending.push(change);
                    } else if matches!(
                        source,
                        ValueSource::Flag | ValueSource::Prompt | ValueSource::Default
                    ) {
                        for (name, value) in set {
                            recording.values.insert(name.clone(), value.clone());
                        }
                    }
                }
                Event::CommandFinished {
                    at,
                    outcome,
                    exit,
                    signal,
                    duration_ms,
                    reason,
                    output,
                    ..
                } => {
                    recording.commands.insert(
                        at.clone(),
                        RecordedCommand {
                            outcome: *outcome,
                            exit: *exit,
                            signal: *signal,
                            duration_ms: *duration_ms,
                            reason: reason.clone(),
                            output: output.as_ref().map(|output| output.raw.clone()),
                            variables: std::mem::take(&mut pending),
                        },
                    );
                    running = None;
                }
                Event::DecisionTaken { step, choice, .. } => {
                    recording.choices.insert(step.clone(), *choice);
                }
                _ => {}
            }
        }
        let state = SessionState::fold(events);
        recording.steps = state.step_times();
        recording.total_ms = state.elapsed_ms();
        recording
    }

    /// How the past session ran `at`, if it ran it.
    pub fn command(&self, at: &CommandRef) -> Option<&RecordedCommand> {
        self.commands.get(at)
    }

    /// Every output blob the recording refers to (for the caller to load).
    pub fn outputs(&self) -> impl Iterator<Item = &str> {
        self.commands
            .values()
            .filter_map(|command| command.output.as_deref())
    }

    /// The two walks side by side: the original's steps in its order, then the steps only
    /// the drill went to, in the drill's order.
    pub fn compare(&self, drill: &SessionState) -> Vec<ComparedStep> {
        let drilled = drill.step_times();
        let mut rows: Vec<ComparedStep> = self
            .steps
            .iter()
            .map(|(step, ms)| ComparedStep {
                step: step.clone(),
                original_ms: Some(*ms),
                drill_ms: drilled.iter().find(|(id, _)| id == step).map(|(_, ms)| *ms),
            })
            .collect();
        for (step, ms) in drilled {
            if !rows.iter().any(|row| row.step == step) {
                rows.push(ComparedStep {
                    step,
                    original_ms: None,
                    drill_ms: Some(ms),
                });
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Mode, OutputRef, SessionInfo, SessionOutcome};

    fn at(step: &str, block: usize) -> CommandRef {
        CommandRef {
            step: step.into(),
            block,
            command: 0,
            attempt: 1,
        }
    }

    fn session() -> Vec<Stamped> {
        let events = vec![
            Event::SessionStarted(SessionInfo {
                id: "a1".into(),
                runbook: "r.md".into(),
                title: "R".into(),
                mode: Mode::Live,
                operator: "ana".into(),
                host: "h".into(),
            }),
            Event::VariablesChanged {
                source: ValueSource::Flag,
                set: vec![(
                    "REGION".into(),
                    Value {
                        text: "eu".into(),
                        secret: false,
                    },
                )],
                unset: Vec::new(),
                cwd: None,
            },
            Event::StepEntered {
                step: "check".into(),
            },
            Event::CommandStarted {
                at: at("check", 0),
                text: "echo lag".into(),
                cwd: "/".into(),
                host: None,
            },
            Event::VariablesChanged {
                source: ValueSource::Shell,
                set: vec![(
                    "LAG".into(),
                    Value {
                        text: "3".into(),
                        secret: false,
                    },
                )],
                unset: Vec::new(),
                cwd: None,
            },
            Event::CommandFinished {
                at: at("check", 0),
                outcome: Outcome::Failed,
                exit: Some(2),
                signal: None,
                duration_ms: 1500,
                output_bytes: 4,
                reason: None,
                output: Some(OutputRef {
                    raw: "abc".into(),
                    text: "def".into(),
                }),
            },
            Event::StepFinished {
                step: "check".into(),
                outcome: Outcome::Failed,
            },
            Event::DecisionTaken {
                step: "check".into(),
                choice: 1,
                to: "fix".into(),
            },
            Event::StepEntered { step: "fix".into() },
            Event::StepFinished {
                step: "fix".into(),
                outcome: Outcome::Ok,
            },
            Event::SessionEnded {
                outcome: SessionOutcome::Completed,
            },
        ];
        Stamped::numbered(events, 0, 1000)
    }

    #[test]
    fn commands_decisions_values_and_times_are_kept() {
        let recording = Recording::from_events("a1", &session());
        let check = recording.command(&at("check", 0)).unwrap();
        assert_eq!(
            (check.outcome, check.exit, check.duration_ms),
            (Outcome::Failed, Some(2), 1500)
        );
        assert_eq!(check.output.as_deref(), Some("abc"));
        assert_eq!(
            check.variables.len(),
            1,
            "the shell's change belongs to the command"
        );
        assert_eq!(recording.values["REGION"].text, "eu");
        assert!(!recording.values.contains_key("LAG"));
        assert_eq!(recording.choices["check"], 1);
        assert_eq!(
            recording.command(&at("check", 1)),
            None,
            "never ran: not faked"
        );
        assert_eq!(
            recording.steps,
            [("check".to_string(), 4000), ("fix".to_string(), 1000)]
        );
        assert_eq!(recording.outputs().collect::<Vec<_>>(), ["abc"]);
    }

    #[test]
    fn the_comparison_lists_both_paths() {
        let recording = Recording::from_events("a1", &session());
        let mut drill = session();
        // The trainee went elsewhere after the check.
        drill.truncate(7);
        drill.push(Stamped {
            seq: 8,
            at_ms: 9000,
            event: Event::StepEntered {
                step: "wait".into(),
            },
        });
        drill.push(Stamped {
            seq: 9,
            at_ms: 12_000,
            event: Event::StepFinished {
                step: "wait".into(),
                outcome: Outcome::Ok,
            },
        });
        let rows = recording.compare(&SessionState::fold(&drill));
        let steps: Vec<(&str, Option<u64>, Option<u64>)> = rows
            .iter()
            .map(|row| (row.step.as_str(), row.original_ms, row.drill_ms))
            .collect();
        assert_eq!(
            steps,
            [
                ("check", Some(4000), Some(4000)),
                ("fix", Some(1000), None),
                ("wait", None, Some(3000))
            ]
        );
    }
}
