//! `cairn export SESSION --format md|cast|html|json|junit [-o FILE]`: a recorded session as
//! a file: a Markdown transcript, an asciicast, an HTML page, JSON or JUnit XML
//! (docs/export.md). Writes to stdout, or to FILE (replaced whole, mode 0644, only once the
//! export succeeded).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::export::{self, ExportError, Format, Recorded};
use crate::journal::{self, Journal};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The session: its id as `cairn log` prints it (a unique prefix is enough).
    #[arg(value_name = "SESSION")]
    pub session: String,
    /// What to write [default: from FILE's extension: .md, .cast, .html, .json, .xml].
    #[arg(long, short = 'f', value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormat>,
    /// Write to FILE instead of stdout (`-` is stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The journal to read [default: $CAIRN_JOURNAL, else $XDG_DATA_HOME/cairn/journal].
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A Markdown transcript: the runbook with each command's output under it, a timeline.
    #[value(name = "md", alias = "markdown")]
    Md,
    /// An asciicast v2 recording, for asciinema.
    #[value(name = "cast", alias = "asciicast")]
    Cast,
    /// One self-contained HTML page: the transcript, the timeline, collapsible outputs.
    Html,
    /// The session's metadata and every event.
    Json,
    /// JUnit XML: one test case per block run, for CI dashboards.
    Junit,
}

impl From<ExportFormat> for Format {
    fn from(format: ExportFormat) -> Format {
        match format {
            ExportFormat::Md => Format::Markdown,
            ExportFormat::Cast => Format::Asciicast,
            ExportFormat::Html => Format::Html,
            ExportFormat::Json => Format::Json,
            ExportFormat::Junit => Format::Junit,
        }
    }
}

pub fn run(args: &ExportArgs) -> i32 {
    let file = args
        .output
        .as_deref()
        .filter(|path| *path != Path::new("-"));
    let format = match (args.format, file) {
        (Some(format), _) => Format::from(format),
        (None, Some(path)) => match Format::from_path(path) {
            Some(format) => format,
            None => {
                print_error(&format!(
                    "cannot tell the format from `{}`; say --format md, cast, html, json or junit",
                    path.display()
                ));
                return EXIT_USAGE;
            }
        },
        (None, None) => {
            print_error(&"say what to write: --format md, cast, html, json or junit");
            return EXIT_USAGE;
        }
    };
    let settings = match super::settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let dir = journal::default_dir(args.journal.as_deref(), &settings);
    let recorded =
        match Journal::existing(&dir).and_then(|journal| Recorded::load(&journal, &args.session)) {
            Ok(recorded) => recorded,
            Err(error) => {
                print_error(&error);
                return EXIT_FAILED;
            }
        };
    let written = match file {
        Some(path) => to_file(&recorded, format, path),
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            export::write(&recorded, format, &mut out)
        }
    };
    match written {
        Ok(()) => {
            if let Some(path) = file {
                println!(
                    "exported session {} as {} to {}",
                    recorded.file.id,
                    format.name(),
                    path.display()
                );
            }
            EXIT_OK
        }
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(ExportError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(ExportError::Journal(error)) => {
            print_error(&format!(
                "{error}; `cairn verify {}` checks the session's record",
                recorded.file.id
            ));
            EXIT_FAILED
        }
        Err(error) => {
            print_error(&error);
            EXIT_FAILED
        }
    }
}

/// Writes the export beside `path` and moves it into place once whole, so a failed export
/// never leaves half a file (nor destroys the one that was there).
fn to_file(recorded: &Recorded, format: Format, path: &Path) -> Result<(), ExportError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let cannot = |error: std::io::Error| {
        ExportError::Io(std::io::Error::new(
            error.kind(),
            format!(
                "cannot write {}: {error}; check that its folder exists and is writable",
                path.display()
            ),
        ))
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".cairn-export-")
        .tempfile_in(folder)
        .map_err(cannot)?;
    {
        let mut out = std::io::BufWriter::new(temporary.as_file_mut());
        export::write(recorded, format, &mut out)?;
        out.flush().map_err(cannot)?;
    }
    temporary
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(cannot)?;
    temporary
        .persist(path)
        .map_err(|error| cannot(error.error))?;
    Ok(())
}
