//! Export: one recorded session, read back from the journal, written as a file for people
//! or for tools (`cairn export SESSION --format md|cast|html|json|junit`).
//!
//! This module loads a session into `Recorded`, the one model every format reads: the
//! session's metadata, the runbook as it ran, the steps in the order they were walked with
//! their commands, outputs, exits, durations, notes, decisions, skips and edits, and a
//! timeline. Each format lives in a file of its own and only writes.
//!
//! Export adds nothing from the machine it runs on: every word comes from the journal,
//! where secrets were redacted before anything was written. It never changes the journal.

pub mod asciicast;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod text;
mod walked;

pub use text::{escape_markup, first_line, size, tail, thousands, xml_char, Tail};
pub use walked::{BlockRun, CommandRun, Decision, Finished, Note, Visit};

use std::io::Write;

use git2::Repository;

use crate::journal::message::{message, StepNames};
use crate::journal::{clock, reader, Journal, JournalError, SessionFile};
use crate::runbook::{parse, Block, Runbook, Step};
use crate::session::{CommandRef, Event, SessionOutcome, Stamped};

/// What a session can be exported as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Asciicast,
    Html,
    Json,
    Junit,
}

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Asciicast => "cast",
            Format::Html => "html",
            Format::Json => "json",
            Format::Junit => "junit",
        }
    }

    /// The format a file name's extension asks for (`out.cast`, `report.xml`).
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "cast" => Some(Format::Asciicast),
            "html" | "htm" => Some(Format::Html),
            "json" => Some(Format::Json),
            "xml" => Some(Format::Junit),
            _ => None,
        }
    }
}

/// Why an export failed: the journal could not be read, or the file not written.
#[derive(Debug)]
pub enum ExportError {
    Journal(JournalError),
    Io(std::io::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Journal(error) => error.fmt(f),
            ExportError::Io(error) => write!(f, "writing the export: {error}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<JournalError> for ExportError {
    fn from(error: JournalError) -> ExportError {
        ExportError::Journal(error)
    }
}

impl From<std::io::Error> for ExportError {
    fn from(error: std::io::Error) -> ExportError {
        ExportError::Io(error)
    }
}

/// Writes `recorded` to `out` as `format`.
pub fn write(recorded: &Recorded, format: Format, out: &mut dyn Write) -> Result<(), ExportError> {
    match format {
        Format::Markdown => markdown::write(recorded, out),
        Format::Asciicast => asciicast::write(recorded, out),
        Format::Html => html::write(recorded, out),
        Format::Json => json::write(recorded, out),
        Format::Junit => junit::write(recorded, out),
    }?;
    out.flush()?;
    Ok(())
}

/// A recorded session, as every format reads it.
pub struct Recorded {
    pub file: SessionFile,
    pub branch: String,
    /// The runbook exactly as the session started with it.
    pub runbook: Runbook,
    /// Where the runbook's Markdown starts, after its front matter.
    pub body_start: usize,
    pub events: Vec<Stamped>,
    /// The steps in the order the walk entered them (a step entered twice is two visits).
    pub visits: Vec<Visit>,
    /// Notes about the session as a whole, not one step.
    pub notes: Vec<Note>,
    pub outcome: Option<SessionOutcome>,
    /// The time of the last event.
    pub ended_ms: u64,
    repo: Repository,
}

/// One line of the timeline.
#[derive(Clone, Debug)]
pub struct Moment {
    pub at_ms: u64,
    /// The step's id, when the event is about one.
    pub step: Option<String>,
    /// The command's first line, for a command's end.
    pub command: Option<String>,
    /// What happened, in words.
    pub what: String,
    /// Something went wrong (a command failed, the session failed).
    pub failed: bool,
}

impl Recorded {
    /// Loads the session whose id starts with `prefix` from `journal`.
    pub fn load(journal: &Journal, prefix: &str) -> Result<Recorded, JournalError> {
        let record = reader::find(journal, prefix)?;
        let repo = journal.repository()?;
        let events = reader::events(&repo, record.tip)?;
        let text = reader::runbook_text(&repo, record.tip)?;
        let runbook = parse(&record.file.runbook, &text);
        let (_, body_start) = crate::runbook::front_matter::parse(&runbook.source, &mut Vec::new());
        let walked = walked::Walked::of(&events);
        let ended_ms = events
            .iter()
            .map(|stamped| stamped.at_ms)
            .max()
            .unwrap_or(record.file.started_ms);
        Ok(Recorded {
            file: record.file,
            branch: record.branch,
            runbook,
            body_start,
            events,
            visits: walked.visits,
            notes: walked.notes,
            outcome: walked.outcome,
            ended_ms,
            repo,
        })
    }

    pub fn started_ms(&self) -> u64 {
        self.file.started_ms
    }

    pub fn duration_ms(&self) -> u64 {
        self.ended_ms.saturating_sub(self.file.started_ms)
    }

    /// How the session ended, in a word (`unfinished` when no end was recorded).
    pub fn outcome_word(&self) -> &'static str {
        self.outcome.map_or("unfinished", SessionOutcome::word)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.runbook.step(id)
    }

    /// A step's title, or its id when the runbook has no such step.
    pub fn step_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.step(id).map_or(id, |step| step.title.as_str())
    }

    /// The visits to step `id`, in order.
    pub fn visits_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Visit> + 'a {
        self.visits.iter().filter(move |visit| visit.step == id)
    }

    /// The label of choice `choice` of step `id`'s decision.
    pub fn choice_label(&self, id: &str, choice: usize) -> Option<&str> {
        let decision = self.step(id)?.decision.as_ref()?;
        Some(decision.choices.get(choice)?.label.as_str())
    }

    /// `+00:01.2` (or `+1:02:03` past an hour): `at_ms` after the session started.
    pub fn clock(&self, at_ms: u64) -> String {
        let ms = at_ms.saturating_sub(self.file.started_ms);
        let seconds = ms / 1000;
        if seconds >= 3600 {
            format!(
                "+{}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            )
        } else {
            format!(
                "+{:02}:{:02}.{}",
                seconds / 60,
                seconds % 60,
                ms % 1000 / 100
            )
        }
    }

    /// The session's length in words (`12.3 s`, `4 min 05 s`).
    pub fn duration_words(&self) -> String {
        clock::duration(self.duration_ms())
    }

    /// The command's output as text (escape sequences removed); empty when it printed nothing.
    pub fn output_text(&self, finished: &Finished) -> Result<String, JournalError> {
        match &finished.output {
            Some(output) => Ok(
                String::from_utf8_lossy(&reader::output(&self.repo, &output.text)?).into_owned(),
            ),
            None => Ok(String::new()),
        }
    }

    /// The command's output as the terminal received it (redacted); empty when none.
    pub fn output_raw(&self, finished: &Finished) -> Result<Vec<u8>, JournalError> {
        match &finished.output {
            Some(output) => reader::output(&self.repo, &output.raw),
            None => Ok(Vec::new()),
        }
    }

    /// What happened, in order: every event but a command's start and a block's end
    /// (the command's end says the same, with its exit and duration).
    pub fn timeline(&self) -> Vec<Moment> {
        let names = StepNames::of(&self.runbook);
        let mut starts = Starts::default();
        let mut moments = Vec::new();
        for stamped in &self.events {
            starts.see(stamped);
            let step = stamped.event.step().map(str::to_string);
            let (what, command, failed) = match &stamped.event {
                Event::CommandStarted { .. } | Event::BlockFinished { .. } => continue,
                Event::CommandFinished { .. } => {
                    let Some((at, finished)) = Finished::of(stamped) else {
                        continue;
                    };
                    let text = starts.of(at).map_or("", |(_, text)| text);
                    (
                        finished.status(),
                        Some(first_line(text, 60)),
                        !finished.ok(),
                    )
                }
                Event::NoteAdded { text, .. } => (format!("note: {text}"), None, false),
                Event::SessionEnded { outcome } => (
                    format!("session {}", outcome.word()),
                    None,
                    *outcome != SessionOutcome::Completed,
                ),
                Event::StepEntered { .. } => ("entered".to_string(), None, false),
                Event::StepFinished { outcome, .. } => (
                    format!("finished: {}", outcome.word()),
                    None,
                    !outcome.is_ok(),
                ),
                Event::StepSkipped { reason, .. } => (format!("skipped: {reason}"), None, false),
                Event::BlockSkipped { block, reason, .. } => (
                    format!("block {} not run: {reason}", block + 1),
                    None,
                    false,
                ),
                Event::Confirmed { answer, .. } => {
                    (format!("confirmed (answered {answer})"), None, false)
                }
                Event::DecisionTaken { step, choice, to } => (
                    format!(
                        "decided: {}",
                        self.decided(step, *choice, to)
                            .words(str::to_string, |title, _| title.to_string())
                    ),
                    None,
                    false,
                ),
                _ => {
                    let summary = message(stamped, &self.file.id, &names);
                    (
                        summary.lines().next().unwrap_or_default().to_string(),
                        None,
                        false,
                    )
                }
            };
            moments.push(Moment {
                at_ms: stamped.at_ms,
                step,
                command,
                what,
                failed,
            });
        }
        moments
    }

    /// The visits to step `id`, each with `Visit N` when there are several.
    pub fn labelled_visits<'a>(&'a self, id: &'a str) -> Vec<(Option<String>, &'a Visit)> {
        let visits: Vec<&Visit> = self.visits_of(id).collect();
        let several = visits.len() > 1;
        visits
            .into_iter()
            .enumerate()
            .map(|(number, visit)| (several.then(|| format!("Visit {}", number + 1)), visit))
            .collect()
    }

    /// The runs of block `index` of step `id`, each with `Visit N` when the step had several.
    pub fn runs_of<'a>(&'a self, id: &'a str, index: usize) -> Vec<(Option<String>, &'a BlockRun)> {
        self.labelled_visits(id)
            .into_iter()
            .filter_map(|(label, visit)| {
                let run = visit.blocks.iter().find(|run| run.block == index)?;
                Some((label, run))
            })
            .collect()
    }

    /// What a transcript shows of one command run: its status and the end of its output
    /// (at most `lines` lines and `bytes` bytes).
    pub fn shown(
        &self,
        block: Option<&Block>,
        command: &CommandRun,
        lines: usize,
        bytes: usize,
    ) -> Result<Shown, JournalError> {
        let mut context = Vec::new();
        if command.at.attempt > 1 {
            context.push(format!("attempt {}", command.at.attempt));
        }
        if let Some(host) = &command.host {
            context.push(format!("on {host}"));
        }
        let written = block.and_then(|block| block.commands.get(command.at.command));
        let ran_as = (!command.text.is_empty()
            && written.is_none_or(|written| written.trim() != command.text.trim()))
        .then(|| command.text.clone());
        let output = match &command.finished {
            Some(finished) => {
                let text = self.output_text(finished)?;
                let kept = tail(&text, lines, bytes);
                Some(ShownOutput {
                    kept: kept.kept.to_string(),
                    lines: kept.kept.lines().count(),
                    cut: kept.note(),
                    total: text.len() as u64,
                    blob: finished
                        .output
                        .as_ref()
                        .map(|output| output.text.chars().take(12).collect())
                        .unwrap_or_default(),
                })
            }
            None => None,
        };
        Ok(Shown {
            command: block
                .is_some_and(|block| block.commands.len() > 1)
                .then(|| format!("$ {}", first_line(&command.text, 60))),
            context,
            status: command.status(),
            ok: command.ok(),
            at: self.clock(command.started_ms),
            ran_as,
            output,
        })
    }

    /// A decision in words: the choice's label (if the runbook still has it) and the step
    /// it led to (its title and anchor, or the bare id).
    pub fn decided(&self, step: &str, choice: usize, to: &str) -> Decided {
        let target = self.step(to);
        Decided {
            number: choice + 1,
            label: self.choice_label(step, choice).map(str::to_string),
            title: target.map_or(to.to_string(), |step| step.title.clone()),
            anchor: target.map(|step| step.anchor.clone()),
        }
    }

    /// The decision `visit` took, in words.
    pub fn decided_at(&self, visit: &Visit) -> Option<Decided> {
        let decision = visit.decision.as_ref()?;
        Some(self.decided(&visit.step, decision.choice, &decision.to))
    }

    /// The runbook's text (front matter and all; formats start at `body_start`).
    pub fn text(&self) -> &str {
        self.runbook.source.text()
    }
}

/// What a transcript shows of one command run (see `Recorded::shown`).
#[derive(Clone, Debug)]
pub struct Shown {
    /// `$ first line` when its block runs several commands.
    pub command: Option<String>,
    /// `attempt 2`, `on db-1`.
    pub context: Vec<String>,
    pub status: String,
    pub ok: bool,
    /// When it started, from the session's start.
    pub at: String,
    /// The command as it ran, when that differs from the block as written (placeholders
    /// substituted, an edit).
    pub ran_as: Option<String>,
    /// None when the command never finished.
    pub output: Option<ShownOutput>,
}

#[derive(Clone, Debug)]
pub struct ShownOutput {
    /// The end of the output as text.
    pub kept: String,
    pub lines: usize,
    /// What was cut, when anything was.
    pub cut: Option<String>,
    pub total: u64,
    /// The start of the git object id of the whole text.
    pub blob: String,
}

impl ShownOutput {
    /// `1,234 earlier lines (45.6 KiB) not shown (52.1 KiB in all): `git cat-file -p
    /// 1a2b3c4d5e6f` in the journal prints it all`, when anything was cut.
    pub fn cut_note(&self) -> Option<(String, String)> {
        let cut = self.cut.as_ref()?;
        Some((
            format!("{cut} ({} in all):", size(self.total)),
            format!("git cat-file -p {}", self.blob),
        ))
    }
}

/// A decision in words (see `Recorded::decided`).
#[derive(Clone, Debug)]
pub struct Decided {
    /// Counted from 1.
    pub number: usize,
    pub label: Option<String>,
    pub title: String,
    pub anchor: Option<String>,
}

impl Decided {
    /// `Promote now → Promote (choice 1)`: the words through `escape`, the target through
    /// `link` (given its escaped title and its anchor, when the runbook has the step).
    pub fn words(&self, escape: fn(&str) -> String, link: fn(&str, &str) -> String) -> String {
        let title = escape(&self.title);
        let target = match &self.anchor {
            Some(anchor) => link(&title, anchor),
            None => title,
        };
        let choice = self
            .label
            .as_deref()
            .map_or(String::new(), |label| format!("{} → ", escape(label)));
        format!("{choice}{target} (choice {})", self.number)
    }
}

/// The text of every command started so far, so that a command's end can be told with it.
#[derive(Default)]
pub struct Starts<'e> {
    started: Vec<(&'e CommandRef, u64, &'e str)>,
}

impl<'e> Starts<'e> {
    /// Notes `stamped` if it starts a command.
    pub fn see(&mut self, stamped: &'e Stamped) {
        if let Event::CommandStarted { at, text, .. } = &stamped.event {
            self.started.push((at, stamped.at_ms, text));
        }
    }

    /// When command `at` started, and its text (its latest start).
    pub fn of(&self, at: &CommandRef) -> Option<(u64, &'e str)> {
        self.started
            .iter()
            .rev()
            .find(|(started, _, _)| *started == at)
            .map(|(_, ms, text)| (*ms, *text))
    }
}
