//! `cairn log`: the sessions in the journal, newest first.

use std::path::PathBuf;

use clap::Args;

use super::{print_error, Format, EXIT_FAILED, EXIT_OK};
use crate::journal::{self, clock, Journal};

#[derive(Args, Debug)]
pub struct LogArgs {
    /// The journal to read [default: $CAIRN_JOURNAL, else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Fetch the team's sessions from the journal's remote first, and list them too.
    #[arg(long)]
    pub remote: bool,
}

pub fn run(args: &LogArgs) -> i32 {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let dir = journal::default_dir(args.journal.as_deref(), &settings);
    let remote = if args.remote {
        match journal::push::remote(&dir, settings.journal_remote.as_deref()) {
            Some(remote) => {
                if let Err(error) = journal::push::fetch(&dir, &remote) {
                    eprintln!(
                        "warning: could not fetch from {remote} ({error}); listing what is here"
                    );
                }
                Some(journal::push::tracking_name(&remote).to_string())
            }
            None => {
                print_error(&format!(
                    "the journal {} has no remote; add one with `git -C {} remote add origin URL`, or set journal.remote in the settings file",
                    dir.display(),
                    dir.display()
                ));
                return EXIT_FAILED;
            }
        }
    } else {
        None
    };
    // No journal yet is no sessions yet (reading never creates one).
    let listed = if dir.exists() {
        Journal::existing(&dir)
            .and_then(|journal| journal::reader::list(&journal, remote.as_deref()))
    } else {
        Ok(Vec::new())
    };
    let sessions = match listed {
        Ok(sessions) => sessions,
        Err(error) => {
            print_error(&error);
            return EXIT_FAILED;
        }
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&sessions) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        },
        Format::Text => {
            if sessions.is_empty() {
                println!(
                    "no sessions in {} yet; `cairn run RUNBOOK` records one",
                    dir.display()
                );
                return EXIT_OK;
            }
            println!(
                "{:<8}  {:<20}  {:>10}  {:<7}  {:<11}  {:<12}  RUNBOOK",
                "ID", "STARTED", "DURATION", "MODE", "OUTCOME", "OPERATOR"
            );
            for session in &sessions {
                println!(
                    "{:<8}  {:<20}  {:>10}  {:<7}  {:<11}  {:<12}  {}",
                    session.id,
                    session.started,
                    clock::duration(session.duration_ms),
                    session.mode.label(),
                    session.outcome,
                    session.operator,
                    session.runbook
                );
            }
        }
    }
    EXIT_OK
}
