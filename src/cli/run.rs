//! `cairn run RUNBOOK`: walks a runbook. On a terminal it opens the UI; with `--auto`, or
//! when stdin or stdout is not a terminal, it runs headless: the `--auto` operator prints
//! the walk, and asks on the terminal (if there is one) what the flags did not answer.

use std::path::PathBuf;

use clap::Args;

use super::walk::{session_id, Start, Walk, WalkFlags};
use super::{print_error, EXIT_FAILED};
use crate::engine::{NoRecord, Recorder};
use crate::journal::{self, Journal, SessionWriter};
use crate::runbook::load;
use crate::session::Mode;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The runbook file.
    #[arg(value_name = "RUNBOOK")]
    pub path: PathBuf,
    #[command(flatten)]
    pub flags: WalkFlags,
    /// Print what would run, with variables resolved; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Record nothing: for tests and demos only, a walk without a journal leaves no trace.
    #[arg(long, conflicts_with = "journal")]
    pub no_journal: bool,
}

pub fn run(args: &RunArgs) -> i32 {
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Live
    };
    walk_file(&args.path, &args.flags, mode, args.no_journal, None)
}

/// Walks the runbook at `path` in `mode`, recorded unless `no_journal`; a drill may replay
/// the recorded session `replay` (an id prefix) instead of running commands.
pub(super) fn walk_file(
    path: &std::path::Path,
    flags: &WalkFlags,
    mode: Mode,
    no_journal: bool,
    replay: Option<&str>,
) -> i32 {
    let runbook = match load(path) {
        Ok(runbook) => runbook,
        Err(error) => {
            print_error(&error);
            return EXIT_FAILED;
        }
    };
    if runbook.has_errors() && mode != Mode::DryRun {
        super::print_runbook_errors(&runbook);
        eprintln!(
            "error: {} has errors and cannot be run; fix them (see `cairn check {}`), or look with --dry-run",
            runbook.path, runbook.path
        );
        return EXIT_FAILED;
    }
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let journal_dir = journal::default_dir(flags.journal.as_deref(), &settings);
    let replay = match replay {
        Some(session) => match super::drill::load_replay(&journal_dir, session, &runbook) {
            Ok(replay) => Some(replay),
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        },
        None => None,
    };
    let (recorder, journal_dir, sharing): (Box<dyn Recorder + Send>, _, _) = if no_journal {
        (Box::new(NoRecord), None, None)
    } else {
        let remote = settings.journal_remote.as_deref();
        match Journal::open(&journal_dir)
            .and_then(|journal| SessionWriter::sharing(&journal, &runbook, remote))
        {
            Ok(writer) => {
                let sharing = writer.share_status();
                (Box::new(writer), Some(journal_dir), sharing)
            }
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        }
    };
    Walk {
        runbook: &runbook,
        flags,
        mode,
        session_id: session_id(&runbook),
        recorder,
        journal_dir,
        sharing,
        replay,
        config: &settings,
    }
    .go(Start::New)
}
