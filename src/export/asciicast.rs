//! The asciicast (`--format cast`): asciicast v2, which `asciinema play`, `asciinema cat`
//! and the asciinema web player read. The first line is a header (`version`, `width`,
//! `height`, `timestamp`, `title`, `idle_time_limit`, `env`); then one JSON array a line:
//! `[seconds, "o", text]` for what the terminal showed, and `[seconds, "m", step title]`
//! where each step starts, so the player's markers are the walk's steps.
//!
//! What plays is what `cairn run --auto` shows: each step's title, each command behind a
//! `$ ` prompt, what it printed exactly as its terminal received it (colours and all,
//! secrets redacted), and its status line; then decisions, skips, notes and the end.
//!
//! Timing: the journal keeps each command's output whole, with the times the command
//! started and ended but not when each byte came. The cast spreads the output over the
//! command's run in proportion to its bytes, a few lines at a time (at most
//! `PIECES_PER_COMMAND` events a command): a long silence then a burst plays as a steady
//! stream. Every other event is at its recorded time; pauses between them (an operator
//! reading) are capped at `IDLE_LIMIT` seconds by the player, not in the file.
//!
//! Size: the terminal's size is not recorded, so the cast is `HEIGHT` rows and as wide as
//! the widest line printed, from 80 up to `MAX_WIDTH` columns.

use std::io::Write;

use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::{first_line, ExportError, Finished, Recorded, Starts};
use crate::session::{Event, SessionOutcome};

pub const MIN_WIDTH: usize = 80;
pub const MAX_WIDTH: usize = 200;
pub const HEIGHT: usize = 24;
/// The longest pause a player shows, in seconds.
pub const IDLE_LIMIT: f64 = 3.0;
pub const PIECES_PER_COMMAND: usize = 100;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[1;31m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

pub fn write(recorded: &Recorded, out: &mut dyn Write) -> Result<(), ExportError> {
    let file = &recorded.file;
    let header = json!({
        "version": 2,
        "width": width(recorded)?,
        "height": HEIGHT,
        "timestamp": file.started_ms / 1000,
        "idle_time_limit": IDLE_LIMIT,
        "title": format!("{} · session {}", file.title, file.id),
        // What cairn gives a command's terminal; nothing from the machine exporting.
        "env": { "TERM": "xterm-256color" },
    });
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    let mut cast = Cast {
        out,
        origin: file.started_ms,
        last_ms: 0,
    };
    let mut starts = Starts::default();
    for stamped in &recorded.events {
        starts.see(stamped);
        let at_ms = stamped.at_ms;
        match &stamped.event {
            Event::SessionStarted(info) => cast.line(
                at_ms,
                BOLD,
                &format!(
                    "cairn · {} · {} · session {} {}",
                    info.title,
                    info.runbook,
                    info.id,
                    info.mode.label()
                ),
            )?,
            Event::StepEntered { step } => {
                let title = recorded.step_title(step);
                cast.event(at_ms, "m", title)?;
                cast.output(at_ms, b"\r\n")?;
                cast.line(at_ms, CYAN, &format!("▶ {title}  [{step}]"))?;
            }
            Event::CommandStarted { text, host, .. } => {
                let prompt = host
                    .as_ref()
                    .map_or("$ ".to_string(), |host| format!("[{host}] $ "));
                for (index, line) in text.lines().enumerate() {
                    let lead = if index == 0 { prompt.as_str() } else { "> " };
                    cast.line(at_ms, BOLD, &format!("{lead}{line}"))?;
                }
            }
            Event::CommandFinished { .. } => {
                let Some((at, finished)) = Finished::of(stamped) else {
                    continue;
                };
                let started = starts
                    .of(at)
                    .map_or(at_ms.saturating_sub(finished.duration_ms), |(ms, _)| ms);
                let ended = started.saturating_add(finished.duration_ms).min(at_ms);
                let raw = recorded.output_raw(&finished)?;
                cast.spread(&raw, started, ended.max(started))?;
                let style = if finished.ok() { DIM } else { RED };
                cast.line(at_ms, style, &finished.status())?;
            }
            Event::BlockSkipped { block, reason, .. } => {
                cast.line(
                    at_ms,
                    DIM,
                    &format!("· block {} not run: {reason}", block + 1),
                )?;
            }
            Event::StepSkipped { reason, .. } => {
                cast.line(at_ms, DIM, &format!("· step skipped: {reason}"))?;
            }
            Event::DecisionTaken { step, choice, to } => {
                let decided = recorded.decided(step, *choice, to);
                let words = decided.words(str::to_string, |title, _| title.to_string());
                cast.line(at_ms, BOLD, &format!("→ {words}"))?;
            }
            Event::NoteAdded { text, .. } => {
                cast.line(at_ms, DIM, &format!("✎ note: {}", first_line(text, 200)))?;
            }
            Event::SessionEnded { outcome } => {
                let (style, mark) = match outcome {
                    SessionOutcome::Completed => (BOLD, "✓"),
                    _ => (RED, "✗"),
                };
                cast.output(at_ms, b"\r\n")?;
                cast.line(at_ms, style, &format!("{mark} {}", outcome.word()))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The widest line the cast prints, within `MIN_WIDTH..=MAX_WIDTH`.
fn width(recorded: &Recorded) -> Result<usize, ExportError> {
    let mut widest = MIN_WIDTH;
    for command in recorded
        .visits
        .iter()
        .flat_map(|visit| &visit.blocks)
        .flat_map(|run| &run.commands)
    {
        let text = match &command.finished {
            Some(finished) => recorded.output_text(finished)?,
            None => String::new(),
        };
        for line in text.lines().chain(command.text.lines()) {
            widest = widest.max(line.width() + 2);
        }
    }
    Ok(widest.min(MAX_WIDTH))
}

/// Events written one a line, their times never going backwards.
struct Cast<'o> {
    out: &'o mut dyn Write,
    origin: u64,
    last_ms: u64,
}

impl Cast<'_> {
    fn event(&mut self, at_ms: u64, kind: &str, data: &str) -> Result<(), ExportError> {
        let ms = at_ms.saturating_sub(self.origin).max(self.last_ms);
        self.last_ms = ms;
        let seconds = ms as f64 / 1000.0;
        serde_json::to_writer(&mut *self.out, &(seconds, kind, data))
            .map_err(std::io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// Terminal output; a lone `\n` (output read from a pipe) becomes `\r\n` as a terminal
    /// in its usual mode would show it.
    fn output(&mut self, at_ms: u64, bytes: &[u8]) -> Result<(), ExportError> {
        let mut data = Vec::with_capacity(bytes.len() + 16);
        let mut previous = 0u8;
        for &byte in bytes {
            if byte == b'\n' && previous != b'\r' {
                data.push(b'\r');
            }
            data.push(byte);
            previous = byte;
        }
        self.event(at_ms, "o", &String::from_utf8_lossy(&data))
    }

    /// A line of cairn's own, in an SGR style.
    fn line(&mut self, at_ms: u64, style: &str, text: &str) -> Result<(), ExportError> {
        self.output(at_ms, format!("{style}{text}{RESET}\r\n").as_bytes())
    }

    /// `bytes` spread over `from_ms..to_ms` in proportion to their length, in pieces of
    /// whole lines (so no character or escape sequence is split).
    fn spread(&mut self, bytes: &[u8], from_ms: u64, to_ms: u64) -> Result<(), ExportError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&byte| byte == b'\n').collect();
        let per_piece = lines.len().div_ceil(PIECES_PER_COMMAND).max(1);
        let total = bytes.len() as u128;
        let span = u128::from(to_ms.saturating_sub(from_ms));
        let mut done: u128 = 0;
        for piece in lines.chunks(per_piece) {
            let piece = piece.concat();
            let at = from_ms + (span * done / total) as u64;
            self.output(at, &piece)?;
            done += piece.len() as u128;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast_of(run: impl FnOnce(&mut Cast<'_>)) -> String {
        let mut bytes = Vec::new();
        let mut cast = Cast {
            out: &mut bytes,
            origin: 1000,
            last_ms: 0,
        };
        run(&mut cast);
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn output_is_spread_over_the_run_by_bytes_and_never_goes_back_in_time() {
        let text = cast_of(|cast| {
            let _ = cast.spread(b"aaa\nb\n", 2000, 4000);
            let _ = cast.output(1500, b"late\n");
        });
        assert_eq!(
            text,
            "[1.0,\"o\",\"aaa\\r\\n\"]\n[2.333,\"o\",\"b\\r\\n\"]\n[2.333,\"o\",\"late\\r\\n\"]\n"
        );
        let many: String = (0..250).map(|n| format!("{n}\r\n")).collect();
        let text = cast_of(|cast| {
            let _ = cast.spread(many.as_bytes(), 1000, 11_000);
        });
        let events: Vec<&str> = text.lines().collect();
        assert_eq!(events.len(), 84);
        assert!(events[0].starts_with("[0.0,"), "{}", events[0]);
        assert!(events[83].starts_with("[9.9"), "{}", events[83]);
    }
}
