//! `cairn review SESSION [--follow]`: a recorded session, read-only, on the same screen as
//! a live walk (the step tree with the path taken, each command's output in the pane). With
//! `--follow` it goes on as the session grows: a teammate joining the incident watches the
//! walk from the journal. Without a terminal it prints the replay as `--auto` prints a walk.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::ask::Asker;
use super::auto::AutoOperator;
use super::{print_error, stdout_color, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::exec::Interrupt;
use crate::journal::{self, follow, Journal};
use crate::runbook::parse;
use crate::ui::app::App;
use crate::ui::bridge::NoteQueue;
use crate::ui::status_bar::JournalState;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The session: its id as `cairn log` prints it (a unique prefix is enough). Without
    /// one, on a terminal, a list of the sessions to pick from.
    #[arg(value_name = "SESSION")]
    pub session: Option<String>,
    /// Keep showing the session as it grows, until it ends.
    #[arg(long)]
    pub follow: bool,
    /// The journal to read [default: $CAIRN_JOURNAL, else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

pub fn run(args: &ReviewArgs) -> i32 {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let dir = journal::default_dir(args.journal.as_deref(), &settings);
    let session = match &args.session {
        Some(session) => session.clone(),
        None => match pick_session(&dir, &settings) {
            Ok(Some(session)) => session,
            Ok(None) => return EXIT_OK,
            Err(code) => return code,
        },
    };
    let found = Journal::existing(&dir).and_then(|journal| {
        let record = journal::reader::find(&journal, &session)?;
        let repo = journal.repository()?;
        let text = journal::reader::runbook_text(&repo, record.tip)?;
        Ok((journal, record, text))
    });
    let (journal, record, text) = match found {
        Ok(found) => found,
        Err(error) => {
            print_error(&error.to_string());
            return EXIT_FAILED;
        }
    };
    // The runbook as the session ran it, whatever the file says now.
    let runbook = parse(&record.file.runbook, &text);
    let interrupt = Interrupt::new();
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        let _ = signal_hook::flag::register(signal, interrupt.terminate_flag());
    }
    let branch = record.branch.clone();
    let replay = |operator: &mut dyn crate::engine::Operator| {
        journal
            .repository()
            .and_then(|repo| follow::replay(&repo, &branch, args.follow, &interrupt, operator))
    };
    let on_terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let replayed = if on_terminal {
        let (theme, keymap) = match crate::ui::setup(&settings) {
            Ok(setup) => setup,
            Err(error) => {
                print_error(&error);
                return EXIT_USAGE;
            }
        };
        let mut app = App::new(
            &runbook,
            theme,
            keymap,
            "REVIEW",
            record.file.id.clone(),
            JournalState::Saved,
            NoteQueue::default(),
        );
        app.review = true;
        app.runbook_diff = std::fs::read_to_string(&record.file.runbook)
            .ok()
            .filter(|now| *now != text)
            .map(|now| super::resume::runbook_diff(&text, &now));
        app.interrupt = interrupt.clone();
        match crate::ui::run::walk(&mut app, &interrupt, replay) {
            Ok(replayed) => replayed,
            Err(error) => {
                print_error(&format!("the terminal UI failed: {error}"));
                return EXIT_FAILED;
            }
        }
    } else {
        replay(&mut AutoOperator::new(
            &runbook,
            stdout_color(),
            None::<Asker>,
        ))
    };
    match replayed {
        Ok(()) => EXIT_OK,
        Err(error) => {
            print_error(&error.to_string());
            EXIT_FAILED
        }
    }
}

/// The session the operator picks from the journal's list (`None`: they left).
fn pick_session(
    dir: &std::path::Path,
    settings: &crate::config::Config,
) -> Result<Option<String>, i32> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        print_error(&"name the session to review (`cairn log` lists them): cairn review SESSION");
        return Err(EXIT_USAGE);
    }
    let sessions = Journal::existing(dir)
        .and_then(|journal| journal::reader::list(&journal, None))
        .map_err(|error| {
            print_error(&error.to_string());
            EXIT_FAILED
        })?;
    if sessions.is_empty() {
        println!(
            "no sessions in {} yet; `cairn run RUNBOOK` records one",
            dir.display()
        );
        return Ok(None);
    }
    let (theme, _) = crate::ui::setup(settings).map_err(|error| {
        print_error(&error);
        EXIT_USAGE
    })?;
    crate::ui::session_list::pick(sessions, &theme).map_err(|error| {
        print_error(&format!("the terminal UI failed: {error}"));
        EXIT_FAILED
    })
}
