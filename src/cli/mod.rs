//! The command line: parses arguments with clap, runs the subcommand, and maps the outcome to
//! the exit codes of DESIGN.md (0 success, 1 runbook errors or a failed step, 2 usage errors).

mod ask;
mod auto;
mod check;
mod drill;
mod export;
mod files;
mod log;
mod outline;
mod resume;
mod review;
mod run;
mod show;
mod stats;
mod test;
mod test_junit;
mod test_plan;
mod verify;
mod walk;

use std::ffi::OsString;
use std::io::IsTerminal;

use clap::{Parser, Subcommand, ValueEnum};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Parser, Debug)]
#[command(
    name = "cairn",
    version,
    about = "Walk a Markdown runbook step by step, recording everything",
    long_about = "cairn reads ordinary Markdown runbooks (bash blocks, `$ ` prompts, <placeholders>) \
                  as a graph of steps.\n\nFormat reference: docs/format.md"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint runbooks: report problems with file:line:col (exit 1 when any has an error).
    Check(check::CheckArgs),
    /// Print the parsed step graph of one runbook, as an outline or as JSON.
    Show(show::ShowArgs),
    /// Walk a runbook: run its steps in order, asking what it needs (`cairn RUNBOOK` also works).
    Run(run::RunArgs),
    /// Run runbooks as tests: headless drills with cairn-test.toml's answers and expectations.
    Test(test::TestArgs),
    /// Rehearse a runbook as a drill (rehearsal= stand-ins), or replay a recorded incident.
    Drill(drill::DrillArgs),
    /// Carry on a recorded session from where it stopped (after a crash, a stop, a failure).
    Resume(resume::ResumeArgs),
    /// List the sessions in the journal, newest first.
    Log(log::LogArgs),
    /// Per runbook: sessions, live and drills, operators, last use, stale drills.
    Stats(stats::StatsArgs),
    /// Check that a session's record in the journal is whole (exit 1 names the first bad commit).
    Verify(verify::VerifyArgs),
    /// Replay a recorded session, read-only; --follow watches one as it happens.
    Review(review::ReviewArgs),
    /// Write a recorded session as a Markdown transcript, an asciicast, HTML, JSON or JUnit XML.
    Export(export::ExportArgs),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Runs cairn with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    run(std::env::args_os())
}

/// Runs cairn with `args` (the first is the program name); returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(with_default_command(args)) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and --version print to stdout and succeed; real usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Show(args) => show::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Log(args) => log::run(&args),
        Command::Resume(args) => resume::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Review(args) => review::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Drill(args) => drill::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Stats(args) => stats::run(&args),
    }
}

/// `cairn RUNBOOK ...` means `cairn run RUNBOOK ...`: a first argument that is no
/// subcommand and reads as a path (a `.md` name, a `/`, or an existing file) is a runbook.
/// Anything else stays a (mistyped) subcommand, so `cairn frob` says so.
fn with_default_command<I, T>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(first) = args.get(1).and_then(|arg| arg.to_str()) {
        let is_command = Cli::command_names().any(|name| name == first);
        let is_path = first.ends_with(".md")
            || first.ends_with(".markdown")
            || first.contains('/')
            || std::path::Path::new(first).is_file();
        if !is_command && !first.starts_with('-') && is_path {
            args.insert(1, OsString::from("run"));
        }
    }
    args
}

impl Cli {
    fn command_names() -> impl Iterator<Item = String> {
        use clap::CommandFactory;
        let command = Cli::command();
        let names: Vec<String> = command
            .get_subcommands()
            .map(|sub| sub.get_name().to_string())
            .chain(["help".to_string()])
            .collect();
        names.into_iter()
    }
}

/// Colour on stderr only for a terminal, and never when NO_COLOR is set.
pub(crate) fn stderr_color() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Colour on stdout only for a terminal, and never when NO_COLOR is set.
pub(crate) fn stdout_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// The settings file, its warnings said on stderr; a file that cannot be read is a usage
/// error (exit 2) with its position.
pub(crate) fn settings() -> Result<crate::config::Config, i32> {
    match crate::config::load() {
        Ok(config) => {
            for warning in &config.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(config)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(EXIT_USAGE)
        }
    }
}

/// Prints a runbook's errors (not its warnings) on stderr, as `cairn check` would.
pub(crate) fn print_runbook_errors(runbook: &crate::runbook::Runbook) {
    let color = stderr_color();
    for diagnostic in runbook
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == crate::runbook::Severity::Error)
    {
        eprint!("{}", diagnostic.render(&runbook.source, color));
    }
}

/// Prints an error that has no runbook position (a bad path) in the common shape.
pub(crate) fn print_error(message: &dyn std::fmt::Display) {
    eprintln!("error: {message}");
}

/// "s" unless there is exactly one.
pub(crate) fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
