//! `cairn drill RUNBOOK [--replay SESSION]`: a rehearsal, recorded and shown as a DRILL.
//! Blocks marked `rehearsal=skip` are shown and not run, `rehearsal="…"` runs the stand-in;
//! the drill is timed per step and in total. With `--replay`, no command runs at all: each
//! is answered from a recorded session (a real incident), and the end sets the trainee's
//! walk beside the original.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;

use super::walk::WalkFlags;
use crate::engine::Replay;
use crate::journal::{self, Journal};
use crate::runbook::Runbook;
use crate::session::recording::Recording;
use crate::session::Mode;

#[derive(Args, Debug)]
pub struct DrillArgs {
    /// The runbook file.
    #[arg(value_name = "RUNBOOK")]
    pub path: PathBuf,
    #[command(flatten)]
    pub flags: WalkFlags,
    /// Replay this recorded session (its id, as `cairn log` prints it): its outputs, exit
    /// codes and timings answer every command; nothing runs.
    #[arg(long, value_name = "SESSION")]
    pub replay: Option<String>,
    /// Record nothing: for tests and demos only.
    #[arg(long, conflicts_with = "journal")]
    pub no_journal: bool,
}

pub fn run(args: &DrillArgs) -> i32 {
    super::run::walk_file(
        &args.path,
        &args.flags,
        Mode::Drill,
        args.no_journal,
        args.replay.as_deref(),
    )
}

/// The recorded session `session` of the journal at `dir`, with its outputs, to replay on
/// `runbook`.
pub(super) fn load_replay(dir: &Path, session: &str, runbook: &Runbook) -> Result<Replay, String> {
    let journal = Journal::existing(dir).map_err(|error| error.to_string())?;
    let record = journal::reader::find(&journal, session).map_err(|error| error.to_string())?;
    let repo = journal.repository().map_err(|error| error.to_string())?;
    let events = journal::reader::events(&repo, record.tip).map_err(|error| error.to_string())?;
    if record.file.runbook != runbook.path {
        eprintln!(
            "warning: session {} walked {}, not {}; commands it never ran are reported as not in the recording",
            record.file.id, record.file.runbook, runbook.path
        );
    }
    let recording = Recording::from_events(&record.file.id, &events);
    let mut outputs = HashMap::new();
    for blob in recording.outputs() {
        let bytes = journal::reader::output(&repo, blob).map_err(|error| error.to_string())?;
        outputs.insert(blob.to_string(), bytes);
    }
    Ok(Replay { recording, outputs })
}
