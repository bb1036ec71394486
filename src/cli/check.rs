//! `cairn check RUNBOOK...`: lint runbooks and report every problem with its position.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::{files, plural, print_error, stdout_color, Format, EXIT_FAILED, EXIT_OK};
use crate::runbook::{load, Diagnostic, Runbook, Severity};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Runbook files, or folders to search for *.md files.
    #[arg(required = true, value_name = "RUNBOOK")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// One checked file, as `--format json` prints it.
#[derive(Serialize)]
struct FileReport<'a> {
    path: String,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Why the file could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<FileReport<'a>>,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// What became of one path argument.
enum Outcome {
    Parsed(Box<Runbook>),
    /// A file that could not be read, or a folder without runbooks.
    Unreadable {
        path: String,
        message: String,
        is_file: bool,
    },
}

pub fn run(args: &CheckArgs) -> i32 {
    let outcomes: Vec<Outcome> = files::expand(&args.paths)
        .into_iter()
        .map(|path| match path {
            Ok(path) => match load(&path) {
                Ok(runbook) => Outcome::Parsed(Box::new(runbook)),
                Err(error) => Outcome::Unreadable {
                    path: path.display().to_string(),
                    message: error.to_string(),
                    is_file: true,
                },
            },
            Err(none) => Outcome::Unreadable {
                path: none.path.display().to_string(),
                message: none.message,
                is_file: false,
            },
        })
        .collect();
    let mut report = Report {
        files: Vec::new(),
        errors: 0,
        warnings: 0,
        notes: 0,
    };
    for outcome in &outcomes {
        let file = match outcome {
            Outcome::Parsed(runbook) => FileReport {
                path: runbook.path.clone(),
                errors: runbook.count(Severity::Error),
                warnings: runbook.count(Severity::Warning),
                notes: runbook.count(Severity::Note),
                error: None,
                diagnostics: &runbook.diagnostics,
            },
            Outcome::Unreadable { path, message, .. } => FileReport {
                path: path.clone(),
                errors: 1,
                warnings: 0,
                notes: 0,
                error: Some(message.clone()),
                diagnostics: &[],
            },
        };
        report.errors += file.errors;
        report.warnings += file.warnings;
        report.notes += file.notes;
        report.files.push(file);
    }
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => print_error(&error),
        },
        Format::Text => print_text(&outcomes, &report),
    }
    if report.errors > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn print_text(outcomes: &[Outcome], report: &Report) {
    let color = stdout_color();
    let mut out = String::new();
    let mut runbooks = 0;
    for outcome in outcomes {
        match outcome {
            Outcome::Parsed(runbook) => {
                runbooks += 1;
                for diagnostic in &runbook.diagnostics {
                    out.push_str(&diagnostic.render(&runbook.source, color));
                    out.push('\n');
                }
            }
            Outcome::Unreadable {
                message, is_file, ..
            } => {
                runbooks += usize::from(*is_file);
                print_error(message);
            }
        }
    }
    out.push_str(&format!(
        "checked {runbooks} runbook{}: {} error{}, {} warning{}{}\n",
        plural(runbooks),
        report.errors,
        plural(report.errors),
        report.warnings,
        plural(report.warnings),
        if report.notes > 0 {
            format!(", {} note{}", report.notes, plural(report.notes))
        } else {
            String::new()
        }
    ));
    print!("{out}");
}
