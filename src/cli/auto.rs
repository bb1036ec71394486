//! The `--auto` operator: prints the walk as it happens (each step, each command, its
//! output as it comes, and how it ended, with markers a reader or `grep` finds at once), and
//! answers questions on the terminal when there is one, or not at all.

use std::io::Write;

use super::ask::Asker;
use crate::ansi::{Painter, BOLD, CYAN_BOLD, DIM, RED_BOLD, YELLOW};
use crate::engine::{Ask, Confirmation, Operator};
use crate::runbook::{Decision, Runbook, Step};
use crate::session::{Event, Outcome, SessionOutcome, Stamped, ValueSource};

pub struct AutoOperator<'r> {
    runbook: &'r Runbook,
    /// Asks on the terminal when there is one; without, every question goes unanswered.
    asker: Option<Asker>,
    paint: Painter,
    out: std::io::Stdout,
    /// Whether the last byte printed ended a line (output may stop mid-line).
    at_line_start: bool,
    steps_done: usize,
}

impl<'r> AutoOperator<'r> {
    pub fn new(runbook: &'r Runbook, color: bool, asker: Option<Asker>) -> AutoOperator<'r> {
        AutoOperator {
            runbook,
            asker,
            paint: Painter::new(color),
            out: std::io::stdout(),
            at_line_start: true,
            steps_done: 0,
        }
    }

    fn line(&mut self, text: &str) {
        let mut out = self.out.lock();
        if !self.at_line_start {
            let _ = out.write_all(b"\n");
        }
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        self.at_line_start = true;
    }

    fn step_entered(&mut self, step: &Step) {
        let title = self.paint.paint(CYAN_BOLD, &format!("▶ {}", step.title));
        let id = self.paint.paint(DIM, &format!("[{}]", step.id));
        self.line("");
        self.line(&format!("{title}  {id}"));
        for check in &step.checks {
            let text = format!("  ☐ {} (to check by hand)", check.text);
            self.line(&self.paint.paint(YELLOW, &text));
        }
    }

    fn command_started(&mut self, text: &str, host: Option<&str>) {
        let prompt = match host {
            Some(host) => format!("[{host}] $ "),
            None => "$ ".to_string(),
        };
        for (index, line) in text.lines().enumerate() {
            let lead = if index == 0 { prompt.as_str() } else { "> " };
            self.line(&self.paint.paint(BOLD, &format!("{lead}{line}")));
        }
    }

    fn finished(
        &mut self,
        outcome: Outcome,
        exit: Option<i32>,
        signal: Option<i32>,
        duration_ms: u64,
        reason: Option<&str>,
    ) {
        let status = match (exit, signal) {
            (_, Some(signal)) => format!("signal {signal}"),
            (Some(code), None) => format!("exit {code}"),
            (None, None) => "not run".to_string(),
        };
        let seconds = duration_ms as f64 / 1000.0;
        let mut text = match outcome {
            Outcome::Ok => format!("✓ {status} · {seconds:.2} s"),
            Outcome::Timeout => format!("✗ timeout · {status} · {seconds:.2} s"),
            Outcome::Interrupted => format!("✗ interrupted · {status} · {seconds:.2} s"),
            _ => format!("✗ {status} · {seconds:.2} s"),
        };
        if let Some(reason) = reason {
            text.push_str(" · ");
            text.push_str(reason);
        }
        let style = if outcome == Outcome::Ok {
            DIM
        } else {
            RED_BOLD
        };
        self.line(&self.paint.paint(style, &text));
    }
}

impl Operator for AutoOperator<'_> {
    fn value(&mut self, ask: &Ask) -> Option<String> {
        self.asker.as_ref()?.value(ask)
    }

    fn confirm(&mut self, confirmation: &Confirmation) -> Option<String> {
        self.asker.as_ref()?.confirm(confirmation)
    }

    fn choose(&mut self, step: &Step, decision: &Decision) -> Option<usize> {
        self.asker.as_ref()?.choose(step, decision)
    }

    fn event(&mut self, stamped: &Stamped) {
        match &stamped.event {
            Event::SessionStarted(info) => {
                let head = format!(
                    "cairn · {} · {} · session {}",
                    info.title, info.runbook, info.id
                );
                let text = format!("{} {}", self.paint.paint(BOLD, &head), info.mode.label());
                self.line(&text);
            }
            Event::StepEntered { step } => {
                if let Some(step) = self.runbook.step(step) {
                    self.step_entered(step);
                }
            }
            Event::CommandStarted { text, host, .. } => self.command_started(text, host.as_deref()),
            Event::CommandFinished {
                outcome,
                exit,
                signal,
                duration_ms,
                reason,
                ..
            } => self.finished(*outcome, *exit, *signal, *duration_ms, reason.as_deref()),
            Event::BlockFinished {
                outcome, attempts, ..
            } if *attempts > 1 => {
                let text = format!("  after {attempts} tries: {}", outcome.word());
                self.line(&self.paint.paint(DIM, &text));
            }
            Event::BlockSkipped {
                step,
                block,
                reason,
            } => {
                let line = self
                    .runbook
                    .step(step)
                    .and_then(|step| step.blocks.get(*block))
                    .map_or(0, |block| block.line);
                let text = format!("· block at line {line} not run: {reason}");
                self.line(&self.paint.paint(DIM, &text));
            }
            Event::VariablesChanged {
                source,
                set,
                unset,
                cwd,
            } => {
                if *source == ValueSource::FrontMatter {
                    return;
                }
                let from = source_word(*source);
                for (name, value) in set {
                    let text = format!("= {name}={} ({from})", value.text);
                    self.line(&self.paint.paint(DIM, &text));
                }
                for name in unset {
                    self.line(&self.paint.paint(DIM, &format!("= unset {name}")));
                }
                if let Some(cwd) = cwd {
                    self.line(&self.paint.paint(DIM, &format!("= cd {cwd}")));
                }
            }
            Event::SessionResumed { operator, .. } => {
                self.line(&self.paint.paint(BOLD, &format!("↻ resumed by {operator}")));
            }
            Event::Confirmed { answer, .. } => {
                self.line(&self.paint.paint(DIM, &format!("✓ confirmed ({answer})")));
            }
            Event::DecisionTaken { to, .. } => {
                self.line(&self.paint.paint(DIM, &format!("→ chose {to}")));
            }
            Event::StepFinished { outcome, .. } if *outcome == Outcome::Ok => {
                self.steps_done += 1;
            }
            Event::SessionEnded { outcome } => {
                let text = match outcome {
                    SessionOutcome::Completed => self.paint.paint(
                        BOLD,
                        &format!(
                            "✓ completed · {} step{}",
                            self.steps_done,
                            super::plural(self.steps_done)
                        ),
                    ),
                    SessionOutcome::Failed => self.paint.paint(RED_BOLD, "✗ failed"),
                    SessionOutcome::Stopped => self.paint.paint(YELLOW, "■ stopped"),
                    SessionOutcome::Interrupted => self.paint.paint(YELLOW, "■ interrupted"),
                };
                self.line("");
                self.line(&text);
            }
            _ => {}
        }
    }

    fn output(&mut self, chunk: &[u8]) {
        let mut out = self.out.lock();
        let _ = out.write_all(chunk);
        let _ = out.flush();
        if let Some(last) = chunk.last() {
            self.at_line_start = *last == b'\n';
        }
    }

    fn would_run(&mut self, command: &str, interpreter: &str, values: &[(String, String)]) {
        let lead = if interpreter
            .split_whitespace()
            .next()
            .is_some_and(crate::exec::launch::is_shell)
        {
            String::new()
        } else {
            format!("({interpreter}) ")
        };
        for (index, line) in command.lines().enumerate() {
            let prompt = if index == 0 { "$ " } else { "> " };
            self.line(&self.paint.paint(BOLD, &format!("{prompt}{lead}{line}")));
        }
        for (name, value) in values {
            self.line(&self.paint.paint(DIM, &format!("    {name} = {value}")));
        }
    }
}

fn source_word(source: ValueSource) -> &'static str {
    match source {
        ValueSource::Flag => "--param",
        ValueSource::FrontMatter => "front matter",
        ValueSource::Default => "default",
        ValueSource::Prompt => "typed",
        ValueSource::Environment => "environment",
        ValueSource::Capture => "captured",
        ValueSource::Shell => "shell",
    }
}
