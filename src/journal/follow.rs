//! Replaying a recorded session to an `Operator`, event by event with each command's
//! stored output before its end, and, when following, going on as the session's branch
//! grows: a teammate joining an incident sees the walk as it happens, read-only, from the
//! journal alone. The UI's review is this replay drawn by the same screen as a live walk.

use std::time::Duration;

use git2::{Oid, Repository};

use super::{reader, JournalError};
use crate::engine::Operator;
use crate::exec::Interrupt;
use crate::session::Event;

/// How often a followed branch is looked at.
const POLL: Duration = Duration::from_millis(300);

/// Replays the session on `branch` of the journal at `repo` to `operator`; with `follow`,
/// waits for more until the session ends or `interrupt` says to stop.
pub fn replay(
    repo: &Repository,
    branch: &str,
    follow: bool,
    interrupt: &Interrupt,
    operator: &mut dyn Operator,
) -> Result<(), JournalError> {
    let reference = format!("refs/heads/{branch}");
    let mut shown: u64 = 0;
    let mut last_tip: Option<Oid> = None;
    loop {
        let tip = repo.refname_to_id(&reference)?;
        if last_tip != Some(tip) {
            last_tip = Some(tip);
            for stamped in reader::events(repo, tip)? {
                if stamped.seq <= shown {
                    continue;
                }
                shown = stamped.seq;
                if let Event::CommandFinished {
                    output: Some(output),
                    ..
                } = &stamped.event
                {
                    // The output is stored when the command ends: shown just before its end.
                    if let Ok(bytes) = reader::output(repo, &output.raw) {
                        operator.output(&bytes);
                    }
                }
                let ended = matches!(stamped.event, Event::SessionEnded { .. });
                operator.event(&stamped);
                if ended {
                    return Ok(());
                }
            }
        }
        if !follow || interrupt.terminating() {
            return Ok(());
        }
        std::thread::sleep(POLL);
        if interrupt.terminating() {
            return Ok(());
        }
    }
}
