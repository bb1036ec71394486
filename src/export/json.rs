//! The JSON export (`--format json`): `{"session": …, "events": […]}`, pretty printed: the
//! session's `session.json` and every event exactly as the journal stores it, for tools.
//! Outputs stay where the journal keeps them: a `command_finished` event names them by
//! git object id (`output.raw`, `output.text`), which `git cat-file -p` prints.

use std::io::Write;

use serde::Serialize;

use super::{ExportError, Recorded};
use crate::journal::SessionFile;
use crate::session::Stamped;

#[derive(Serialize)]
struct Document<'a> {
    session: &'a SessionFile,
    events: &'a [Stamped],
}

pub fn write(recorded: &Recorded, out: &mut dyn Write) -> Result<(), ExportError> {
    let document = Document {
        session: &recorded.file,
        events: &recorded.events,
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}
