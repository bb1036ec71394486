//! `cairn resume SESSION`: carries on a recorded session from where it stopped. The
//! runbook is read again from where the session found it; if it changed since, the
//! difference is shown before the walk goes on (and the journal keeps both texts).

use std::io::IsTerminal;

use clap::Args;

use super::walk::{Start, Walk, WalkFlags};
use super::{print_error, EXIT_FAILED};
use crate::journal::{self, reader, Journal, JournalError, SessionWriter};
use crate::runbook::parse;

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// The session: its id as `cairn log` prints it (a unique prefix is enough).
    #[arg(value_name = "SESSION")]
    pub session: String,
    #[command(flatten)]
    pub flags: WalkFlags,
}

pub fn run(args: &ResumeArgs) -> i32 {
    match resume(args) {
        Ok(code) => code,
        Err(error) => {
            print_error(&error);
            EXIT_FAILED
        }
    }
}

fn resume(args: &ResumeArgs) -> Result<i32, JournalError> {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return Ok(code),
    };
    let dir = journal::default_dir(args.flags.journal.as_deref(), &settings);
    let journal = Journal::existing(&dir)?;
    let record = reader::find(&journal, &args.session)?;
    let repo = journal.repository()?;
    let events = reader::events(&repo, record.tip)?;
    let stored = reader::runbook_text(&repo, record.tip)?;
    let path = record.file.runbook.clone();
    let (text, runbook_changed) = match std::fs::read_to_string(&path) {
        Ok(now) if now == stored => (now, false),
        Ok(now) => {
            println!(
                "the runbook {path} changed since session {} started:",
                record.file.id
            );
            print!("{}", runbook_diff(&stored, &now));
            println!("the walk goes on with the runbook as it is now");
            let ui_next = !args.flags.auto
                && std::io::stdin().is_terminal()
                && std::io::stdout().is_terminal();
            if ui_next {
                // The UI's screen would hide the diff at once: read it first.
                println!("press Enter to carry on (Ctrl-C stops here)");
                let mut line = String::new();
                if std::io::stdin().read_line(&mut line).is_err() {
                    return Ok(EXIT_FAILED);
                }
            }
            (now, true)
        }
        Err(error) => {
            eprintln!(
                "warning: cannot read {path} ({error}); going on with the runbook as the session ran it"
            );
            (stored, false)
        }
    };
    let runbook = parse(&path, &text);
    if runbook.has_errors() {
        super::print_runbook_errors(&runbook);
        eprintln!("error: {path} has errors and cannot be run; fix them, then resume again");
        return Ok(EXIT_FAILED);
    }
    let writer = SessionWriter::resume(
        &journal,
        &runbook,
        &record,
        settings.journal_remote.as_deref(),
    )?;
    let sharing = writer.share_status();
    Ok(Walk {
        runbook: &runbook,
        flags: &args.flags,
        mode: record.file.mode,
        session_id: record.file.id.clone(),
        recorder: Box::new(writer),
        journal_dir: Some(dir),
        sharing,
        replay: None,
        config: &settings,
    }
    .go(Start::Resume {
        events,
        runbook_changed,
    }))
}

/// How a runbook changed: a unified diff from the text a session ran to the text now.
pub(super) fn runbook_diff(as_run: &str, now: &str) -> String {
    similar::TextDiff::from_lines(as_run, now)
        .unified_diff()
        .context_radius(2)
        .header("as the session ran it", "as it is now")
        .to_string()
}
