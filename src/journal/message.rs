//! The commit message of an event: a summary line a person reads in `git log --oneline`
//! ("step 3 'Check lag': exit 0 in 1.2 s"), a body where there is more to say (the command
//! run, a note), and trailers (`Cairn-Session: 1a2b3c4d`) that tools can grep for.

use std::collections::HashMap;

use crate::runbook::Runbook;
use crate::session::{Event, Outcome, Stamped};

/// Step numbers and titles, for summaries that name steps as the runbook does.
#[derive(Clone, Debug, Default)]
pub struct StepNames {
    by_id: HashMap<String, (usize, String)>,
}

impl StepNames {
    pub fn of(runbook: &Runbook) -> StepNames {
        let by_id = runbook
            .steps
            .iter()
            .filter(|step| !step.is_group())
            .enumerate()
            .map(|(index, step)| (step.id.clone(), (index + 1, step.title.clone())))
            .collect();
        StepNames { by_id }
    }

    /// `step 3 'Check lag'`, or `step 'id'` for a step the runbook no longer has.
    fn name(&self, id: &str) -> String {
        match self.by_id.get(id) {
            Some((number, title)) => format!("step {number} '{title}'"),
            None => format!("step '{id}'"),
        }
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// The first line of `text`, cut to `limit` characters, with `…` when anything was left out.
pub fn first_line(text: &str, limit: usize) -> String {
    let text = text.trim_start_matches('\n');
    let line = text.lines().next().unwrap_or_default();
    let more = text.lines().nth(1).is_some();
    let mut short: String = line.chars().take(limit).collect();
    if more || line.chars().count() > limit {
        short.push('…');
    }
    short
}

/// The whole commit message for `stamped` in session `session`.
pub fn message(stamped: &Stamped, session: &str, steps: &StepNames) -> String {
    let (summary, body) = summary_and_body(&stamped.event, steps);
    let mut message = summary;
    message.push_str("\n\n");
    if let Some(body) = body {
        message.push_str(body.trim_end());
        message.push_str("\n\n");
    }
    message.push_str(&format!("Cairn-Session: {session}\n"));
    message.push_str(&format!(
        "Cairn-Event: {} {}\n",
        stamped.seq,
        stamped.event.kind()
    ));
    if let Some(step) = stamped.event.step() {
        message.push_str(&format!("Cairn-Step: {step}\n"));
    }
    if let Event::CommandFinished { exit, outcome, .. } = &stamped.event {
        if let Some(exit) = exit {
            message.push_str(&format!("Cairn-Exit: {exit}\n"));
        }
        message.push_str(&format!("Cairn-Outcome: {}\n", outcome.word()));
    }
    message
}

/// The one-line summary of `event` (a commit's subject; a line of the review's timeline).
pub fn summary(event: &Event, steps: &StepNames) -> String {
    summary_and_body(event, steps).0
}

fn summary_and_body(event: &Event, steps: &StepNames) -> (String, Option<String>) {
    match event {
        Event::SessionStarted(info) => (
            format!(
                "Start {} session of '{}' by {} on {}",
                info.mode.label(),
                info.title,
                info.operator,
                info.host
            ),
            Some(format!("Runbook: {}", info.runbook)),
        ),
        Event::VariablesChanged {
            set, unset, cwd, ..
        } => {
            let mut parts: Vec<String> =
                set.iter().map(|(name, _)| format!("set {name}")).collect();
            parts.extend(unset.iter().map(|name| format!("unset {name}")));
            parts.extend(cwd.iter().map(|cwd| format!("cd {cwd}")));
            let body = set
                .iter()
                .map(|(name, value)| format!("{name}={}", value.text))
                .collect::<Vec<_>>()
                .join("\n");
            (
                first_line(&format!("Variables: {}", parts.join(", ")), 72),
                (!body.is_empty()).then_some(body),
            )
        }
        Event::StepEntered { step } => (format!("Enter {}", steps.name(step)), None),
        Event::Confirmed { step, answer, .. } => (
            format!("Confirm {} (answered {answer})", steps.name(step)),
            None,
        ),
        Event::CommandStarted { at, text, host, .. } => {
            let place = host
                .as_ref()
                .map_or(String::new(), |host| format!(" on {host}"));
            (
                format!(
                    "Run{place} in {}: {}",
                    steps.name(&at.step),
                    first_line(text, 50)
                ),
                Some(text.clone()),
            )
        }
        Event::CommandFinished {
            at,
            outcome,
            exit,
            signal,
            duration_ms,
            reason,
            ..
        } => {
            let how = match (outcome, exit, signal) {
                (Outcome::Timeout, _, _) => "timed out".to_string(),
                (_, _, Some(signal)) => format!("killed by signal {signal}"),
                (_, Some(exit), None) => format!("exit {exit}"),
                (outcome, None, None) => outcome.word().to_string(),
            };
            (
                format!(
                    "{}: {how} in {}",
                    steps.name(&at.step),
                    seconds(*duration_ms)
                ),
                reason.clone(),
            )
        }
        Event::BlockFinished {
            step,
            block,
            outcome,
            attempts,
        } => {
            let tries = if *attempts > 1 {
                format!(" after {attempts} tries")
            } else {
                String::new()
            };
            (
                format!(
                    "{}: block {} {}{tries}",
                    steps.name(step),
                    block + 1,
                    outcome.word()
                ),
                None,
            )
        }
        Event::BlockSkipped {
            step,
            block,
            reason,
        } => (
            format!(
                "{}: block {} not run: {reason}",
                steps.name(step),
                block + 1
            ),
            None,
        ),
        Event::BlockEdited { step, block, text } => (
            format!(
                "{}: block {} edited before it ran",
                steps.name(step),
                block + 1
            ),
            Some(format!("It ran as:\n\n{text}")),
        ),
        Event::Rehearsed { step, block, text } => (
            format!(
                "{}: block {} rehearsed (a drill runs its stand-in)",
                steps.name(step),
                block + 1
            ),
            Some(format!("It ran in place of the block:\n\n{text}")),
        ),
        Event::CheckTicked { step, check } => (
            format!("{}: check {} ticked", steps.name(step), check + 1),
            None,
        ),
        Event::DecisionTaken { step, to, .. } => {
            (format!("{}: decided to go to {to}", steps.name(step)), None)
        }
        Event::StepSkipped { step, reason } => {
            (format!("Skip {}: {reason}", steps.name(step)), None)
        }
        Event::StepFinished { step, outcome } => (
            format!("Finish {}: {}", steps.name(step), outcome.word()),
            None,
        ),
        Event::NoteAdded { text, .. } => (
            format!("Note: {}", first_line(text, 64)),
            Some(text.clone()),
        ),
        Event::SessionResumed {
            operator,
            host,
            runbook_changed,
        } => (
            format!("Resume session by {operator} on {host}"),
            runbook_changed.then(|| "The runbook changed since the session started.".to_string()),
        ),
        Event::DrillCompared {
            original,
            steps: compared,
        } => (
            format!("Compare the drill with session {original}"),
            Some(
                compared
                    .iter()
                    .map(|row| {
                        let time = |ms: Option<u64>| {
                            ms.map_or("-".to_string(), |ms| format!("{:.1} s", ms as f64 / 1000.0))
                        };
                        format!(
                            "{}: original {}, drill {}",
                            steps.name(&row.step),
                            time(row.original_ms),
                            time(row.drill_ms)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
        Event::SessionEnded { outcome } => (format!("End session: {}", outcome.word()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::parse;
    use crate::session::CommandRef;

    #[test]
    fn a_finished_command_reads_as_a_sentence_with_trailers() {
        let runbook = parse(
            "t.md",
            "# T\n\n## Intro\n\nHi.\n\n## Check lag\n\n```sh\ntrue\n```\n",
        );
        let stamped = Stamped {
            seq: 7,
            at_ms: 0,
            event: Event::CommandFinished {
                at: CommandRef {
                    step: "check-lag".into(),
                    block: 0,
                    command: 0,
                    attempt: 1,
                },
                outcome: Outcome::Ok,
                exit: Some(0),
                signal: None,
                duration_ms: 1200,
                output_bytes: 3,
                reason: None,
                output: None,
            },
        };
        assert_eq!(
            message(&stamped, "1a2b3c4d", &StepNames::of(&runbook)),
            "step 2 'Check lag': exit 0 in 1.2 s\n\nCairn-Session: 1a2b3c4d\nCairn-Event: 7 command_finished\nCairn-Step: check-lag\nCairn-Exit: 0\nCairn-Outcome: ok\n"
        );
    }
}
