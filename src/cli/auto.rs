//! The `--auto` operator: prints the walk as it happens (each step, each command, its
//! output as it comes, and how it ended, with markers a reader or `grep` finds at once), and
//! answers questions on the terminal when there is one, or not at all.

use std::io::Write;

use super::ask::Asker;
use crate::ansi::{Painter, BOLD, CYAN_BOLD, DIM, RED_BOLD, YELLOW};
use crate::engine::{Ask, Confirmation, Operator};
use crate::journal::clock::duration;
use crate::runbook::{Decision, Runbook, Step};
use crate::session::recording::ComparedStep;
use crate::session::{Event, Mode, Outcome, SessionOutcome, SessionState, Stamped, ValueSource};

pub struct AutoOperator<'r> {
    runbook: &'r Runbook,
    /// Asks on the terminal when there is one; without, every question goes unanswered.
    asker: Option<Asker>,
    paint: Painter,
    /// Where the walk is printed: stdout, or a transcript (`cairn test`).
    out: Box<dyn Write + Send>,
    /// Whether the last byte printed ended a line (output may stop mid-line).
    at_line_start: bool,
    steps_done: usize,
    /// The walk so far, for a drill's times at its end.
    state: SessionState,
}

impl<'r> AutoOperator<'r> {
    pub fn new(runbook: &'r Runbook, color: bool, asker: Option<Asker>) -> AutoOperator<'r> {
        AutoOperator {
            runbook,
            asker,
            paint: Painter::new(color),
            out: Box::new(std::io::stdout()),
            at_line_start: true,
            steps_done: 0,
            state: SessionState::default(),
        }
    }

    /// A step's title, or its id when the runbook no longer has it.
    fn title(&self, step: &str) -> String {
        self.runbook
            .step(step)
            .map_or_else(|| step.to_string(), |step| step.title.clone())
    }

    /// A drill is timed: each step and the whole.
    fn drill_times(&mut self) {
        let rows = self.state.step_times();
        self.line(&self.paint.paint(BOLD, "drill times:"));
        for (step, ms) in rows {
            let text = format!("  {:<40} {:>8}", self.title(&step), duration(ms));
            self.line(&text);
        }
        let text = format!("  {:<40} {:>8}", "total", duration(self.state.elapsed_ms()));
        self.line(&self.paint.paint(BOLD, &text));
    }

    fn comparison(&mut self, original: &str, steps: &[ComparedStep]) {
        self.line("");
        let head = format!("the drill beside session {original}:");
        self.line(&self.paint.paint(BOLD, &head));
        let text = format!("  {:<40} {:>8} {:>8}", "step", "original", "drill");
        self.line(&self.paint.paint(DIM, &text));
        for row in steps {
            let time = |ms: Option<u64>| ms.map_or_else(|| "-".to_string(), duration);
            let text = format!(
                "  {:<40} {:>8} {:>8}",
                self.title(&row.step),
                time(row.original_ms),
                time(row.drill_ms)
            );
            self.line(&text);
        }
    }

    /// Prints into `out` instead of stdout.
    pub fn printing_to(mut self, out: Box<dyn Write + Send>) -> Self {
        self.out = out;
        self
    }

    fn line(&mut self, text: &str) {
        let out = &mut self.out;
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
        self.state.apply(stamped);
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
            Event::Rehearsed { .. } => {
                let text = "· a drill: the block's rehearsal command runs in its place";
                self.line(&self.paint.paint(DIM, text));
            }
            Event::DrillCompared { original, steps } => self.comparison(original, steps),
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
                if self.state.mode() == Some(Mode::Drill) {
                    self.drill_times();
                }
                self.line(&text);
            }
            _ => {}
        }
    }

    fn output(&mut self, chunk: &[u8]) {
        let out = &mut self.out;
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
