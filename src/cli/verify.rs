//! `cairn verify SESSION`: checks that a session's record in the journal is whole; exits 1
//! and names the first bad commit otherwise.

use std::path::PathBuf;

use clap::Args;

use super::{print_error, EXIT_FAILED, EXIT_OK};
use crate::journal::{self, Journal};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The session: its id as `cairn log` prints it (a unique prefix is enough).
    #[arg(value_name = "SESSION")]
    pub session: String,
    /// The journal to read [default: $CAIRN_JOURNAL, else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

pub fn run(args: &VerifyArgs) -> i32 {
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let dir = journal::default_dir(args.journal.as_deref(), &settings);
    let checked = Journal::existing(&dir).and_then(|journal| {
        let record = journal::reader::find(&journal, &args.session)?;
        let report = journal::verify::verify(&journal, &record)?;
        Ok((record, report))
    });
    match checked {
        Ok((record, report)) => match report.problem {
            None => {
                println!(
                    "session {} is whole: {} events, one commit each, on {}",
                    record.file.id, report.commits, record.branch
                );
                EXIT_OK
            }
            Some(problem) => {
                eprintln!(
                    "error: session {} is damaged at commit {}: {}",
                    record.file.id, problem.commit, problem.message
                );
                eprintln!(
                    "  help: `git -C {} show {}` shows that commit",
                    dir.display(),
                    problem.commit
                );
                EXIT_FAILED
            }
        },
        Err(error) => {
            print_error(&error);
            EXIT_FAILED
        }
    }
}
